import type { Queryable } from '../db/index.ts';

export interface TestChat {
  id: string;
  type: 'direct' | 'group';
  memberIds: string[];
}

/** A direct chat between two existing users, written straight to the tables (no events). */
export async function makeDirectChat(
  db: Queryable,
  userA: string,
  userB: string,
): Promise<TestChat> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO chats (type, direct_user_low, direct_user_high)
     VALUES ('direct', LEAST($1::uuid, $2::uuid), GREATEST($1::uuid, $2::uuid)) RETURNING id`,
    [userA, userB],
  );
  const id = rows[0].id;
  await db.query(
    `INSERT INTO chat_participants (chat_id, user_id, role) VALUES ($1, $2, 'member'), ($1, $3, 'member')`,
    [id, userA, userB],
  );
  return { id, type: 'direct', memberIds: [userA, userB] };
}

export interface TestGroupOptions {
  createdBy: string;
  /** Everyone but the creator; the creator is added as admin. */
  memberIds: string[];
  name?: string;
  /** Members (besides the creator) who are admins too. */
  adminIds?: string[];
}

/** A group written straight to the tables (no events), creator as admin. */
export async function makeGroupChat(db: Queryable, options: TestGroupOptions): Promise<TestChat> {
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO chats (type) VALUES ('group') RETURNING id",
  );
  const id = rows[0].id;
  await db.query('INSERT INTO groups (chat_id, name, created_by) VALUES ($1, $2, $3)', [
    id,
    options.name ?? 'Test Group',
    options.createdBy,
  ]);
  const admins = new Set([options.createdBy, ...(options.adminIds ?? [])]);
  const members = [options.createdBy, ...options.memberIds.filter((m) => m !== options.createdBy)];
  await db.query(
    `INSERT INTO chat_participants (chat_id, user_id, role)
     SELECT $1, m.user_id, CASE WHEN m.user_id = ANY($3::uuid[]) THEN 'admin' ELSE 'member' END
     FROM unnest($2::uuid[]) AS m(user_id)`,
    [id, members, [...admins]],
  );
  return { id, type: 'group', memberIds: members };
}

/**
 * `count` direct chats for `userId`, each with a fresh user and a last message, their activity
 * spread over the past 30 days: bulk statements, for list tests and benchmarks.
 */
export async function makeManyDirectChats(
  db: Queryable,
  userId: string,
  count: number,
): Promise<string[]> {
  const others: { id: string }[] = [];
  while (others.length < count) {
    // A phone taken by an earlier run is skipped and drawn again.
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (phone, display_name)
       SELECT '+49152' || lpad((floor(random() * 100000000))::bigint::text, 8, '0'), 'Friend ' || g
       FROM generate_series(1, $1) AS g
       ON CONFLICT (phone) DO NOTHING
       RETURNING id`,
      [count - others.length],
    );
    others.push(...rows);
  }
  const { rows: chats } = await db.query<{ id: string }>(
    `INSERT INTO chats (type, direct_user_low, direct_user_high, last_message_id,
                        last_message_sender_id, last_message_type, last_message_preview, last_message_at)
     SELECT 'direct', LEAST($1::uuid, o), GREATEST($1::uuid, o), gen_random_uuid(), o, 'text',
            'Hey, how are you?', NOW() - random() * interval '30 days'
     FROM unnest($2::uuid[]) AS o
     RETURNING id`,
    [userId, others.map((o) => o.id)],
  );
  await db.query(
    `INSERT INTO chat_participants (chat_id, user_id, unread_count, last_activity_at)
     SELECT c.id, m.user_id, (random() * 5)::int, c.last_message_at
     FROM chats c
     CROSS JOIN LATERAL (VALUES (c.direct_user_low), (c.direct_user_high)) AS m(user_id)
     WHERE c.id = ANY($1::uuid[])`,
    [chats.map((c) => c.id)],
  );
  return chats.map((c) => c.id);
}
