import type { OutboxEvent } from '@wa/pkg/bus';
import { pgArray, withTransaction, type PgPool, type Queryable } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';
import type { MessageStore, StatusChange } from '../message-store.ts';
import { retrying } from './retrying.ts';

/*
 * The store's updates. Each change and its event are written by one statement (a data-modifying
 * CTE whose event row exists only if the change's RETURNING has a row), so the event exists
 * exactly when the change committed; where a second statement is needed, both share a transaction.
 */

/*
 * Receipt statements lock the recipient rows they may write first, all in one order (recipient,
 * then message: \`locked\`) shared with \`MARK_READ\` (read-marks.ts): two statements that reach the
 * same rows in different orders, a batch of acks and a batch of reads of the same users, otherwise
 * deadlock, and PostgreSQL takes deadlock_timeout (1 s) to notice, while every write waits.
 *
 * Moves each change whose recipient is at one of its `from` statuses and records its event; every
 * named recipient not moved is acknowledged too (no longer owed). The acknowledging UPDATE skips
 * the moved rows by their RETURNING (two updates of one row in one statement are not allowed) and,
 * needing all of `moved` to decide, runs after it; a row a concurrent transaction changed is
 * re-checked on its newest version by each UPDATE, so none is left owed. It looks its rows up by
 * primary key: with `owed` alone it matched the partial owed index's predicate, and statistics
 * that saw almost nothing owed (acknowledged moments after it is written) made PostgreSQL read
 * that whole index, every user's backlog, in every statement.
 */
const ADVANCE = `WITH change AS (
  SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
    $6::timestamptz[], $7::uuid[], $8::text[], $9::jsonb[])
  AS c(ord, message_id, user_id, target, from_statuses, at, event_id, event_subject, event_payload)
), locked AS MATERIALIZED (
  SELECT r.message_id, r.user_id, c.ord, c.target, c.from_statuses, c.at
  FROM message_recipients r
  JOIN change c ON r.message_id = c.message_id AND r.user_id = c.user_id
  ORDER BY r.user_id, r.message_id
  FOR UPDATE OF r
), moved AS (
  UPDATE message_recipients r
  SET status = l.target, updated_at = l.at, receipt_hidden = FALSE, owed = FALSE
  FROM locked l
  WHERE r.message_id = l.message_id AND r.user_id = l.user_id
    AND r.status = ANY (string_to_array(l.from_statuses, ','))
  RETURNING l.ord
), events AS (
  INSERT INTO message_outbox (event_id, subject, payload)
  SELECT c.event_id, c.event_subject, c.event_payload
  FROM change c JOIN moved USING (ord) ORDER BY c.ord
), acknowledged AS (
  UPDATE message_recipients r SET owed = FALSE
  FROM change c
  WHERE r.message_id = c.message_id AND r.user_id = c.user_id AND r.owed IS TRUE
    AND NOT EXISTS (SELECT 1 FROM moved WHERE moved.ord = c.ord)
)
SELECT ord FROM moved`;

const DELETE_FOR_EVERYONE = `WITH deleted AS (
  UPDATE messages SET is_deleted = TRUE, payload = $2, updated_at = $3
  WHERE message_id = $1 AND NOT is_deleted
  RETURNING 1
), events AS (
  INSERT INTO message_outbox (event_id, subject, payload)
  SELECT $4::uuid, $5::text, $6::jsonb WHERE EXISTS (SELECT 1 FROM deleted)
)
SELECT count(*)::int AS deleted FROM deleted`;

const HIDE = `INSERT INTO message_hidden (message_id, user_id)
  SELECT message_id, $2::uuid FROM messages WHERE message_id = $1
  ON CONFLICT DO NOTHING`;

const STAR = `INSERT INTO message_stars (message_id, user_id, created_at)
  SELECT message_id, $2::uuid, created_at FROM messages WHERE message_id = $1
  ON CONFLICT DO NOTHING`;

const UNSTAR = 'DELETE FROM message_stars WHERE message_id = $1 AND user_id = $2';

const eventValues = (event: OutboxEvent) => [
  event.event_id,
  event.subject,
  JSON.stringify(event.payload),
];

/**
 * One UPDATE applies a change to a row at most once, so a batch naming one recipient of one
 * message twice is applied in rounds, in its order: the n-th mention of each pair goes in round n.
 * Within a round, changes go by message then recipient: the same lock order in every batch.
 */
function rounds(changes: StatusChange[]): number[][] {
  const pair = (i: number) => `${changes[i].message.message_id}/${changes[i].userId}`;
  const seen = new Map<string, number>();
  const result: number[][] = [];
  changes.forEach((_, i) => {
    const round = seen.get(pair(i)) ?? 0;
    seen.set(pair(i), round + 1);
    (result[round] ??= []).push(i);
  });
  for (const round of result) round.sort((a, b) => (pair(a) < pair(b) ? -1 : 1));
  return result;
}

/** The statement applying `round` (positions in `changes`). */
export function advanceQuery(changes: StatusChange[], round: number[]) {
  const picked = round.map((i) => changes[i]);
  return {
    name: 'msgstore_advance',
    text: ADVANCE,
    values: [
      round,
      picked.map((c) => c.message.message_id),
      picked.map((c) => c.userId),
      picked.map((c) => c.target),
      picked.map((c) => c.from.join(',')),
      picked.map((c) => c.at.toISOString()),
      picked.map((c) => c.event.event_id),
      picked.map((c) => c.event.subject),
      picked.map((c) => JSON.stringify(c.event.payload)),
    ].map(pgArray),
  };
}

/** Applies one round of changes (positions in `changes`); resolves the positions that moved. */
async function advanceRound(db: Queryable, changes: StatusChange[], round: number[]) {
  const { rows } = await db.query<{ ord: number }>(advanceQuery(changes, round));
  return rows.map((row) => row.ord);
}

export function createMessageUpdates(
  pool: PgPool,
  log: Logger,
): Pick<MessageStore, 'advanceStatus' | 'hideFor' | 'deleteForEveryone' | 'setStar'> {
  return {
    async advanceStatus(changes) {
      if (!changes.length) return [];
      const plan = rounds(changes);
      const apply = async (db: Queryable) => {
        const moved = new Set<number>();
        for (const round of plan)
          for (const i of await advanceRound(db, changes, round)) moved.add(i);
        return changes.map((_, i) => moved.has(i));
      };
      // The usual batch names each pair once: one statement, its own transaction.
      return retrying(
        () => (plan.length === 1 ? apply(pool) : withTransaction(pool, (client) => apply(client))),
        log,
        'msgstore_advance',
      );
    },

    async hideFor(message, userId) {
      await pool.query({ name: 'msgstore_hide', text: HIDE, values: [message.message_id, userId] });
    },

    async deleteForEveryone(message, payload, at, event) {
      const { rows } = await pool.query<{ deleted: number }>({
        name: 'msgstore_delete_for_everyone',
        text: DELETE_FOR_EVERYONE,
        values: [
          message.message_id,
          JSON.stringify(payload),
          at.toISOString(),
          ...eventValues(event),
        ],
      });
      return rows[0].deleted === 1;
    },

    async setStar(message, userId, starred) {
      await pool.query(
        starred
          ? { name: 'msgstore_star', text: STAR, values: [message.message_id, userId] }
          : { name: 'msgstore_unstar', text: UNSTAR, values: [message.message_id, userId] },
      );
    },
  };
}
