import { randomUUID } from 'node:crypto';
import type { MessagePayload, MessageType } from '@wa/pkg/bus';

export type { MessagePayload, MessageType };

/** PRD §3.5: per-recipient delivery state, only ever moving forward. */
export type DeliveryStatus = 'sent' | 'delivered' | 'read';

export interface RecipientStatus {
  status: DeliveryStatus;
  updated_at: Date;
  /** Read while the reader had read receipts off (addenda E): the sender is shown `delivered`. */
  receipt_hidden?: boolean;
}

/** One document of the `messages` collection (PRD §5.2 plus the fields below). */
export interface MessageDoc {
  message_id: string;
  chat_id: string;
  sender_id: string;
  client_msg_id: string;
  type: MessageType;
  payload: MessagePayload;
  reply_to_message_id: string | null;
  forwarded: boolean;
  forwarded_from: { chat_id: string; message_id: string } | null;
  /** Keyed by recipient user id: every participant except the sender at send time. */
  status: Record<string, RecipientStatus>;
  /** Recipients none of whose devices acknowledged delivery yet; serves ListUndelivered. */
  undelivered_to: string[];
  /** Users who deleted the message for themselves only. */
  deleted_for: string[];
  is_deleted: boolean;
  is_starred_by: string[];
  created_at: Date;
  updated_at: Date;
  /** event_id of this message's `msg.new`. */
  event_id: string;
}

export type NewMessageFields = Pick<
  MessageDoc,
  'sender_id' | 'client_msg_id' | 'type' | 'payload'
> &
  Partial<Pick<MessageDoc, 'reply_to_message_id' | 'forwarded' | 'forwarded_from'>>;

/** A message as first stored: every recipient at `sent` and still owed delivery. */
export function newMessageDoc(
  chatId: string,
  recipients: readonly string[],
  fields: NewMessageFields,
  at: Date,
): MessageDoc {
  return {
    message_id: randomUUID(),
    chat_id: chatId,
    reply_to_message_id: null,
    forwarded: false,
    forwarded_from: null,
    ...fields,
    status: Object.fromEntries(recipients.map((id) => [id, { status: 'sent', updated_at: at }])),
    undelivered_to: [...recipients],
    deleted_for: [],
    is_deleted: false,
    is_starred_by: [],
    created_at: at,
    updated_at: at,
    event_id: randomUUID(),
  };
}

/** A position in (created_at, message_id) order, for keyset pagination. */
export interface MessageKey {
  created_at: Date;
  message_id: string;
}

export const DELETED_BODY = 'This message was deleted';

export const LIMITS = {
  bodyMax: 4_096,
  captionMax: 1_024,
  filenameMax: 255,
  clientMsgIdMax: 128,
  historyDefault: 50,
  historyMax: 100,
  searchDefault: 20,
  searchMax: 100,
  searchQueryMax: 200,
  undeliveredMax: 500,
  forwardTargetsMax: 20,
} as const;
