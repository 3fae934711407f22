import type { PgPool } from '@wa/pkg/db';
import { makeDirectChat } from '@wa/pkg/testing';

export interface SeededPair {
  chatId: string;
  /** The pair's first user (the sender in the send benchmarks) and the other one. */
  first: string;
  second: string;
}

/**
 * `pairs` direct chats between fresh users, written straight to PostgreSQL (one insert for the
 * users). `phonePrefix` keeps each benchmark's numbers apart, e.g. '+49153'.
 */
export async function seedDirectChats(
  pool: PgPool,
  pairs: number,
  phonePrefix: string,
): Promise<SeededPair[]> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO users (phone, display_name)
     SELECT $2 || lpad(g::text, 8, '0'), 'Bench ' || g FROM generate_series(1, $1) AS g
     RETURNING id`,
    [pairs * 2, phonePrefix],
  );
  const seeded: SeededPair[] = [];
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const chat = await makeDirectChat(pool, rows[i].id, rows[i + 1].id);
    seeded.push({ chatId: chat.id, first: rows[i].id, second: rows[i + 1].id });
  }
  return seeded;
}

/**
 * `perChat` old messages in each pair's chat, alternating senders, every one read by the other,
 * written straight to PostgreSQL: the chat-service's log always, the messages and their recipients
 * when PostgreSQL is the message store. Then every table is analyzed, as autovacuum would have
 * done on a deployment that has been running (this machine's PostgreSQL runs without autovacuum,
 * and a table grown from empty keeps the plans made when it was small: sequential scans).
 */
export async function seedHistory(
  pool: PgPool,
  pairs: readonly SeededPair[],
  perChat: number,
  { messageStore }: { messageStore: boolean },
): Promise<void> {
  const values = [
    pairs.map((pair) => pair.chatId),
    pairs.map((pair) => pair.first),
    pairs.map((pair) => pair.second),
    perChat,
  ];
  const history = `
    SELECT gen_random_uuid() AS message_id, p.chat_id,
      CASE WHEN g % 2 = 0 THEN p.first ELSE p.second END AS sender_id,
      CASE WHEN g % 2 = 0 THEN p.second ELSE p.first END AS reader_id,
      g, now() - interval '1 day' + g * interval '1 second' AS created_at
    FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS p(chat_id, first, second),
      generate_series(1, $4::int) AS g`;
  await pool.query(
    messageStore
      ? `WITH h AS (${history}),
         m AS (
           INSERT INTO messages (message_id, chat_id, sender_id, client_msg_id, type, payload,
             created_at, updated_at, event_id)
           SELECT message_id, chat_id, sender_id, 'history-' || g, 'text',
             jsonb_build_object('body', 'old message ' || g), created_at, created_at,
             gen_random_uuid()
           FROM h),
         r AS (
           INSERT INTO message_recipients (message_id, user_id, chat_id, created_at, status,
             updated_at, owed)
           SELECT message_id, reader_id, chat_id, created_at, 'read', created_at, FALSE FROM h)
         INSERT INTO chat_message_log (message_id, chat_id, sender_id, created_at)
         SELECT message_id, chat_id, sender_id, created_at FROM h`
      : `INSERT INTO chat_message_log (message_id, chat_id, sender_id, created_at)
         SELECT message_id, chat_id, sender_id, created_at FROM (${history}) h`,
    values,
  );
  await pool.query('VACUUM ANALYZE');
  // A checkpoint now, so none falls inside the measured window: max_wal_size (1 GB) is reached
  // after a few runs' seeds, and the next timed one is checkpoint_timeout (5 min) away.
  // (Needs superuser or pg_checkpoint.)
  await pool.query('CHECKPOINT').catch((error: unknown) => {
    console.warn(`CHECKPOINT before the run failed: ${String(error)}`);
  });
}
