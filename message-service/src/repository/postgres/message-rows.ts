import type {
  DeliveryStatus,
  MessageDoc,
  MessagePayload,
  MessageType,
  RecipientStatus,
} from '../../model/message.ts';

/*
 * How a MessageDoc is read back from its four tables (migrations/postgres/0005) in one query: a
 * page of `messages` rows, each joined laterally to its recipient rows aggregated into parallel
 * arrays, plus who deleted or starred it. pg parses uuid[], text[], bool[] and timestamptz[].
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
  return `SELECT m.*, r.recipient_ids, r.statuses, r.status_times, r.receipts_hidden, r.owed,
    ARRAY(SELECT h.user_id FROM message_hidden h
          WHERE h.message_id = m.message_id${onlyViewer('h')} ORDER BY h.user_id) AS deleted_for,
    ARRAY(SELECT s.user_id FROM message_stars s
          WHERE s.message_id = m.message_id${onlyViewer('s')} ORDER BY s.user_id) AS is_starred_by
  FROM (${page}) m
  CROSS JOIN LATERAL (
    SELECT array_agg(x.user_id) AS recipient_ids, array_agg(x.status) AS statuses,
      array_agg(x.updated_at) AS status_times, array_agg(x.receipt_hidden) AS receipts_hidden,
      array_agg(x.owed) AS owed
    FROM (SELECT * FROM message_recipients x WHERE x.message_id = m.message_id
          ORDER BY x.user_id) x
  ) r
  ORDER BY ${order}`;
}

export const NEWEST_FIRST = 'm.created_at DESC, m.message_id DESC';
export const OLDEST_FIRST = 'm.created_at, m.message_id';

/** A row of `documentsQuery`; the recipient arrays are null when the message has none. */
export interface DocumentRow {
  message_id: string;
  chat_id: string;
  sender_id: string;
  client_msg_id: string;
  type: MessageType;
  payload: MessagePayload;
  reply_to_message_id: string | null;
  forwarded: boolean;
  forwarded_from: MessageDoc['forwarded_from'];
  is_deleted: boolean;
  created_at: Date;
  updated_at: Date;
  event_id: string;
  recipient_ids: string[] | null;
  statuses: DeliveryStatus[] | null;
  status_times: Date[] | null;
  receipts_hidden: boolean[] | null;
  owed: boolean[] | null;
  deleted_for: string[];
  is_starred_by: string[];
}

export function toMessageDoc(row: DocumentRow): MessageDoc {
  const { recipient_ids, statuses, status_times, receipts_hidden, owed, ...message } = row;
  const [times, hidden, owedTo] = [status_times ?? [], receipts_hidden ?? [], owed ?? []];
  const status: Record<string, RecipientStatus> = {};
  (recipient_ids ?? []).forEach((userId, i) => {
    const entry: RecipientStatus = { status: (statuses ?? [])[i], updated_at: times[i] };
    if (hidden[i]) entry.receipt_hidden = true;
    status[userId] = entry;
  });
  const undelivered = (recipient_ids ?? []).filter((_, i) => owedTo[i]);
  return { ...message, status, undelivered_to: undelivered };
}
