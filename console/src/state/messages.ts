import type { DeliveryStatus, MessagePayload, StoredMessage } from '../api/types.ts';
import type { ServerFrames } from '../ws/frames.ts';
import type { MessageView, ShownStatus } from './model.ts';

/** Pure rules for a chat's messages: merge, order, receipts, deletions. */

const RANK: Record<ShownStatus, number> = {
  failed: -1,
  pending: 0,
  sent: 1,
  delivered: 2,
  read: 3,
};

export const DELETED_BODY = 'This message was deleted';

export function fromStored(message: StoredMessage): MessageView {
  return {
    key: message.message_id,
    message_id: message.message_id,
    client_msg_id: message.client_msg_id ?? null,
    chat_id: message.chat_id,
    sender_id: message.sender_id,
    type: message.type,
    payload: message.payload,
    reply_to_message_id: message.reply_to_message_id,
    forwarded: message.forwarded,
    is_deleted: message.is_deleted,
    created_at: message.created_at,
    status: message.status,
    receipts: {},
  };
}

export function fromNew(data: ServerFrames['message.new']): MessageView {
  return {
    key: data.message_id,
    message_id: data.message_id,
    client_msg_id: null,
    chat_id: data.chat_id,
    sender_id: data.sender_id,
    type: data.type,
    payload: data.payload,
    reply_to_message_id: data.reply_to_message_id ?? null,
    forwarded: data.forwarded ?? false,
    is_deleted: false,
    created_at: data.timestamp,
    status: 'delivered',
    receipts: {},
  };
}

/** Protocol: order by timestamp, then id (two instances may deliver a chat's events out of order). */
export function compareMessages(a: MessageView, b: MessageView): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

const sameMessage = (a: MessageView, b: MessageView) =>
  (a.message_id !== null && a.message_id === b.message_id) ||
  (a.client_msg_id !== null && a.client_msg_id === b.client_msg_id);

/**
 * Adds messages, dropping duplicates (a replay repeats a `message_id`; history repeats a pending
 * send by `client_msg_id`): the known copy keeps the higher status and its receipts.
 */
export function mergeMessages(current: MessageView[], incoming: MessageView[]): MessageView[] {
  const merged = [...current];
  for (const message of incoming) {
    const index = merged.findIndex((known) => sameMessage(known, message));
    if (index === -1) {
      merged.push(message);
      continue;
    }
    const known = merged[index];
    const status = RANK[message.status] > RANK[known.status] ? message.status : known.status;
    merged[index] = {
      ...known,
      ...message,
      key: message.message_id ?? known.key,
      client_msg_id: known.client_msg_id ?? message.client_msg_id,
      status,
      receipts: { ...message.receipts, ...known.receipts },
      is_deleted: known.is_deleted || message.is_deleted,
    };
  }
  return merged.sort(compareMessages);
}

/** `message.sent`: the pending copy gets its id and time; a status that came first is kept. */
export function applySent(
  items: MessageView[],
  clientMsgId: string,
  messageId: string,
  timestamp: string,
): MessageView[] {
  const index = items.findIndex((m) => m.client_msg_id === clientMsgId);
  if (index === -1) return items;
  const known = items[index];
  const next = [...items];
  next[index] = {
    ...known,
    key: messageId,
    message_id: messageId,
    created_at: timestamp,
    status: RANK[known.status] > RANK.sent ? known.status : 'sent',
  };
  return next.sort(compareMessages);
}

/** The lowest status across the recipients (addenda E), from per-recipient receipts. */
export function aggregateStatus(
  receipts: Record<string, DeliveryStatus>,
  recipientCount: number,
): DeliveryStatus {
  const values = Object.values(receipts);
  if (values.length < Math.max(1, recipientCount)) return 'sent';
  return values.every((s) => s === 'read') ? 'read' : 'delivered';
}

/** `message.status` for one recipient; a status never goes back (frames may come out of order). */
export function applyReceipt(
  items: MessageView[],
  messageId: string,
  userId: string,
  status: DeliveryStatus,
  recipientCount: number,
): MessageView[] {
  const index = items.findIndex((m) => m.message_id === messageId);
  if (index === -1) return items;
  const known = items[index];
  const previous = known.receipts[userId];
  if (previous && RANK[previous] >= RANK[status]) return items;
  const receipts = { ...known.receipts, [userId]: status };
  const aggregate = aggregateStatus(receipts, recipientCount);
  const next = [...items];
  next[index] = {
    ...known,
    receipts,
    status: RANK[aggregate] > RANK[known.status] ? aggregate : known.status,
  };
  return next;
}

export function applyDeleted(items: MessageView[], messageId: string): MessageView[] {
  const index = items.findIndex((m) => m.message_id === messageId);
  if (index === -1) return items;
  const next = [...items];
  next[index] = { ...items[index], is_deleted: true, payload: { body: DELETED_BODY } };
  return next;
}

/** The chat list's one-line preview (PRD §8's push texts). */
export function previewOf(type: string, payload: MessagePayload, deleted = false): string {
  if (deleted) return DELETED_BODY;
  switch (type) {
    case 'text':
    case 'system':
      return payload.body ?? '';
    case 'image':
      return payload.caption ? `Photo: ${payload.caption}` : 'Photo';
    case 'video':
      return payload.caption ? `Video: ${payload.caption}` : 'Video';
    case 'audio':
      return 'Audio';
    case 'document':
      return payload.filename ? `Document: ${payload.filename}` : 'Document';
    default:
      return type;
  }
}
