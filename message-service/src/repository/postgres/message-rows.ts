import type { DeliveryStatus, MessageDoc, RecipientStatus } from '../../model/message.ts';

/*
 * How a MessageDoc is read back from its four tables (migrations/postgres/0005) in one query: a
 * page of `messages` rows, each joined laterally to its recipient rows aggregated into one JSON
 * array (a 256-member group's page is 12,750 of them: JSON.parse and epoch milliseconds cost a
 * fraction of pg's per-element array and date parsing), plus who deleted or starred it.
 */

/** The stored columns of `messages` (not the search vector), as a page query selects them. */
export const MESSAGE_COLUMNS = `m.message_id, m.chat_id, m.sender_id, m.client_msg_id, m.type,
  m.payload, m.reply_to_message_id, m.forwarded, m.forwarded_from, m.is_deleted, m.created_at,
  m.updated_at, m.event_id`;

/**
 * One query answering MessageDocs for the rows of `page` (which selects MESSAGE_COLUMNS from
 * `messages m`), in `order`. With `viewer` (a parameter such as `$2`), `deleted_for` and
 * `is_starred_by` name at most that user; without, they are complete.
 */
export function documentsQuery(page: string, order: string, viewer?: string): string {
  const onlyViewer = (alias: string) => (viewer ? ` AND ${alias}.user_id = ${viewer}` : '');
  return `SELECT m.*, r.recipients,
    ARRAY(SELECT h.user_id FROM message_hidden h
          WHERE h.message_id = m.message_id${onlyViewer('h')} ORDER BY h.user_id) AS deleted_for,
    ARRAY(SELECT s.user_id FROM message_stars s
          WHERE s.message_id = m.message_id${onlyViewer('s')} ORDER BY s.user_id) AS is_starred_by
  FROM (${page}) m
  CROSS JOIN LATERAL (
    SELECT json_agg(json_build_array(x.user_id, x.status,
      (date_part('epoch', x.updated_at) * 1000)::bigint, x.receipt_hidden, x.owed)) AS recipients
    FROM message_recipients x WHERE x.message_id = m.message_id
  ) r
  ORDER BY ${order}`;
}

export const NEWEST_FIRST = 'm.created_at DESC, m.message_id DESC';
export const OLDEST_FIRST = 'm.created_at, m.message_id';

/** A row of `documentsQuery`; `recipients` is null when the message has none. */
export interface DocumentRow extends Omit<MessageDoc, 'status' | 'undelivered_to'> {
  /** [user_id, status, updated_at in epoch ms, receipt_hidden, owed] per recipient. */
  recipients: [string, DeliveryStatus, number, boolean, boolean][] | null;
  deleted_for: string[];
  is_starred_by: string[];
}

export function toMessageDoc(row: DocumentRow): MessageDoc {
  const { recipients, ...message } = row;
  const status: Record<string, RecipientStatus> = {};
  const undelivered: string[] = [];
  for (const [userId, state, updatedAt, receiptHidden, owed] of recipients ?? []) {
    status[userId] = receiptHidden
      ? { status: state, updated_at: new Date(updatedAt), receipt_hidden: true }
      : { status: state, updated_at: new Date(updatedAt) };
    if (owed) undelivered.push(userId);
  }
  return { ...message, status, undelivered_to: undelivered };
}
