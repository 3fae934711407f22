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
