import type { OutboxEvent } from '@wa/pkg/bus';
import { createWriteBatch, pgArray, type PgPool, type WriteBatchOptions } from '@wa/pkg/db';
import type { MessageDoc } from '../../model/message.ts';

/*
 * Inserts, group-committed: sends that arrive while one statement is in flight go together in the
 * next one, a single statement (so a single transaction) writing the messages, their recipient,
 * hidden and star rows and their `msg.new` rows from arrays. A message whose (sender_id,
 * client_msg_id) exists is skipped by ON CONFLICT and so are its other rows: 'duplicate'. Any
 * other failure rolls the whole statement back; the batcher then writes each item on its own, so
 * a document PostgreSQL refuses fails only its own insert.
 */

export interface InsertItem {
  doc: MessageDoc;
  event: OutboxEvent<'msg.new'>;
}

const INSERT = `WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[],
    $7::uuid[], $8::boolean[], $9::jsonb[], $10::boolean[], $11::timestamptz[], $12::timestamptz[],
    $13::uuid[], $14::text[], $15::jsonb[])
  WITH ORDINALITY AS i(message_id, chat_id, sender_id, client_msg_id, type, payload,
    reply_to_message_id, forwarded, forwarded_from, is_deleted, created_at, updated_at, event_id,
    event_subject, event_payload, ord)
), stored AS (
  INSERT INTO messages (message_id, chat_id, sender_id, client_msg_id, type, payload,
    reply_to_message_id, forwarded, forwarded_from, is_deleted, created_at, updated_at, event_id)
  SELECT message_id, chat_id, sender_id, client_msg_id, type, payload, reply_to_message_id,
    forwarded, forwarded_from, is_deleted, created_at, updated_at, event_id
  FROM input ORDER BY ord
  ON CONFLICT (sender_id, client_msg_id) DO NOTHING
  RETURNING message_id, chat_id, created_at
), recipients AS (
  INSERT INTO message_recipients (message_id, user_id, chat_id, created_at, status, updated_at,
    receipt_hidden, owed)
  SELECT s.message_id, r.user_id, s.chat_id, s.created_at, r.status, r.updated_at,
    r.receipt_hidden, r.owed
  FROM unnest($16::uuid[], $17::uuid[], $18::text[], $19::timestamptz[], $20::boolean[],
    $21::boolean[]) AS r(message_id, user_id, status, updated_at, receipt_hidden, owed)
  JOIN stored s ON s.message_id = r.message_id
), hidden AS (
  INSERT INTO message_hidden (message_id, user_id)
  SELECT s.message_id, h.user_id FROM unnest($22::uuid[], $23::uuid[]) AS h(message_id, user_id)
  JOIN stored s ON s.message_id = h.message_id
), stars AS (
  INSERT INTO message_stars (message_id, user_id, created_at)
  SELECT s.message_id, st.user_id, s.created_at
  FROM unnest($24::uuid[], $25::uuid[]) AS st(message_id, user_id)
  JOIN stored s ON s.message_id = st.message_id
), events AS (
  INSERT INTO message_outbox (event_id, subject, payload)
  SELECT i.event_id, i.event_subject, i.event_payload
  FROM input i JOIN stored s ON s.message_id = i.message_id ORDER BY i.ord
)
-- A batch repeated after a commit whose outcome was lost finds its own rows: still inserted.
SELECT s.message_id IS NOT NULL OR EXISTS (
  SELECT 1 FROM messages x WHERE x.message_id = i.message_id AND x.sender_id = i.sender_id
    AND x.client_msg_id = i.client_msg_id) AS inserted
FROM input i LEFT JOIN stored s ON s.message_id = i.message_id
ORDER BY i.ord`;

/** The statement's parameters: one array literal per column, the recipient rows flattened. */
function insertValues(items: InsertItem[]): string[] {
  const docs = items.map((item) => item.doc);
  const column = <T>(pick: (doc: MessageDoc) => T) => docs.map(pick);
  const recipients = docs.flatMap((doc) => {
    const owed = new Set(doc.undelivered_to);
    return Object.entries(doc.status).map(([userId, entry]) => ({ doc, userId, entry, owed }));
  });
  const pairs = (users: (doc: MessageDoc) => string[]) => {
    const rows = docs.flatMap((doc) => users(doc).map((userId) => [doc.message_id, userId]));
    return [rows.map((row) => row[0]), rows.map((row) => row[1])];
  };
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  const columns: (string | boolean | null)[][] = [
    column((doc) => doc.message_id),
    column((doc) => doc.chat_id),
    column((doc) => doc.sender_id),
    column((doc) => doc.client_msg_id),
    column((doc) => doc.type),
    column((doc) => json(doc.payload)),
    column((doc) => doc.reply_to_message_id),
    column((doc) => doc.forwarded),
    column((doc) => json(doc.forwarded_from)),
    column((doc) => doc.is_deleted),
    column((doc) => doc.created_at.toISOString()),
    column((doc) => doc.updated_at.toISOString()),
    items.map((item) => item.event.event_id),
    items.map((item) => item.event.subject),
    items.map((item) => json(item.event.payload)),
    recipients.map((r) => r.doc.message_id),
    recipients.map((r) => r.userId),
    recipients.map((r) => r.entry.status),
    recipients.map((r) => r.entry.updated_at.toISOString()),
    recipients.map((r) => r.entry.receipt_hidden === true),
    recipients.map((r) => r.owed.has(r.userId)),
    ...pairs((doc) => doc.deleted_for),
    ...pairs((doc) => doc.is_starred_by),
  ];
  return columns.map(pgArray);
}

/** `insert` of the store: batched, one statement per batch. */
export function createMessageInserts(pool: PgPool, batching: WriteBatchOptions = {}) {
  const write = createWriteBatch(async (items: InsertItem[]) => {
    const { rows } = await pool.query<{ inserted: boolean }>({
      name: 'msgstore_insert',
      text: INSERT,
      values: insertValues(items),
    });
    return rows.map((row): 'inserted' | 'duplicate' => (row.inserted ? 'inserted' : 'duplicate'));
  }, batching);
  return (doc: MessageDoc, event: OutboxEvent<'msg.new'>) => write({ doc, event });
}
