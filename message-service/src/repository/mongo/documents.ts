import type { DeliveryStatus, MessageDoc, RecipientStatus } from '../../model/message.ts';

/*
 * The MongoDB layout (indexes in migrations/mongo/indexes.ts). FerretDB v1 indexes an array as one
 * btree value, so nothing that grows with a group is an indexed array: each recipient's delivery
 * state and each star is a document of its own. A message keeps only `deleted_for`, unindexed.
 */

export const MESSAGES = 'messages';
export const DELIVERIES = 'message_deliveries';
export const STARS = 'message_stars';

/** A `messages` document: the message without its per-recipient state and its stars. */
export type StoredMessage = Omit<MessageDoc, 'status' | 'undelivered_to' | 'is_starred_by'>;

/** One recipient of one message (`message_deliveries`), unique per (message_id, user_id). */
export interface DeliveryDoc {
  message_id: string;
  user_id: string;
  /** The message's chat and creation time: a reader's unread messages and the backlog's order. */
  chat_id: string;
  created_at: Date;
  status: DeliveryStatus;
  updated_at: Date;
  receipt_hidden?: true;
  /** No device of the recipient acknowledged the message yet. */
  owed: boolean;
  /** Markers of the receipt batches that moved this status (at most two moves ever). */
  moved_in?: string[];
}

/** One user's star on one message (`message_stars`); `hidden` once they deleted it for themselves. */
export interface StarDoc {
  message_id: string;
  user_id: string;
  chat_id: string;
  created_at: Date;
  hidden: boolean;
}

/** What a read needs of a delivery document. */
export type DeliveryState = Pick<
  DeliveryDoc,
  'message_id' | 'user_id' | 'status' | 'updated_at' | 'receipt_hidden' | 'owed'
>;

export const MESSAGE_FIELDS = { projection: { _id: 0 } } as const;
/**
 * What reads take of a delivery document. One batch holds a whole group's recipients: FerretDB
 * keeps a PostgreSQL connection for a cursor left open between batches.
 */
export const DELIVERY_FIELDS = {
  projection: {
    _id: 0,
    message_id: 1,
    user_id: 1,
    status: 1,
    updated_at: 1,
    receipt_hidden: 1,
    owed: 1,
  },
  batchSize: 5_000,
} as const;

export function storedMessage(doc: MessageDoc): StoredMessage {
  return {
    message_id: doc.message_id,
    chat_id: doc.chat_id,
    sender_id: doc.sender_id,
    client_msg_id: doc.client_msg_id,
    type: doc.type,
    payload: doc.payload,
    reply_to_message_id: doc.reply_to_message_id,
    forwarded: doc.forwarded,
    forwarded_from: doc.forwarded_from,
    deleted_for: [...doc.deleted_for],
    is_deleted: doc.is_deleted,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
    event_id: doc.event_id,
  };
}

export function deliveriesOf(doc: MessageDoc): DeliveryDoc[] {
  const owed = new Set(doc.undelivered_to);
  return Object.entries(doc.status).map(([userId, entry]) => ({
    message_id: doc.message_id,
    user_id: userId,
    chat_id: doc.chat_id,
    created_at: doc.created_at,
    status: entry.status,
    updated_at: entry.updated_at,
    ...(entry.receipt_hidden ? { receipt_hidden: true as const } : {}),
    owed: owed.has(userId),
  }));
}

export const starsOf = (doc: MessageDoc): StarDoc[] =>
  doc.is_starred_by.map((userId) => ({
    message_id: doc.message_id,
    user_id: userId,
    chat_id: doc.chat_id,
    created_at: doc.created_at,
    hidden: doc.deleted_for.includes(userId),
  }));

/** A MessageDoc from its parts; `viewer` narrows `deleted_for` to them (lists of a viewer). */
export function assemble(
  message: StoredMessage,
  deliveries: readonly DeliveryState[],
  starredBy: string[],
  viewer?: string,
): MessageDoc {
  const status: Record<string, RecipientStatus> = {};
  const undelivered: string[] = [];
  for (const entry of deliveries) {
    status[entry.user_id] = {
      status: entry.status,
      updated_at: entry.updated_at,
      ...(entry.receipt_hidden ? { receipt_hidden: true } : {}),
    };
    if (entry.owed) undelivered.push(entry.user_id);
  }
  const deletedFor = viewer
    ? message.deleted_for.filter((id) => id === viewer)
    : [...message.deleted_for];
  return {
    ...message,
    deleted_for: deletedFor,
    status,
    undelivered_to: undelivered,
    is_starred_by: starredBy,
  };
}
