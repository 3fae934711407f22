import type { OutboxEvent } from '@wa/pkg/bus';
import {
  createWriteBatch,
  pgArray,
  withTransaction,
  type PgPool,
  type Queryable,
  type WriteBatchOptions,
} from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';
import type { MessageKey } from '../../model/message.ts';
import type { MessageStore } from '../message-store.ts';
import { retrying } from './retrying.ts';

/*
 * `markReadUpTo`, group-committed: an open chat reads every message it receives, so reads of many
 * readers arrive together, and each costs PostgreSQL a statement and a commit when written alone.
 * Reads that arrive while a statement is in flight go together in the next one. Each read moves
 * its reader's unread rows of its chat up to its message to `read`, acknowledges the message it
 * names (an earlier one may never have reached the reader's device) and records its event when
 * at least one row moved. The acknowledging UPDATE skips the rows just moved by their RETURNING
 * (two updates of one row in one statement are not allowed). The rows it moves are locked first,
 * in the order all receipt statements share (message-updates.ts): readers by user id, each one's
 * rows by message id, so a round names each reader once. The acknowledged row, already read and
 * so not among them, is rare; a deadlock on it is retried.
 *
 * No step may follow the statistics' estimate of unread or owed rows. In a chat app almost every
 * row is read and acknowledged moments after it is written, so the statistics put both near zero.
 * A reader back to a long backlog shows that estimate is wrong, and on every other statement
 * PostgreSQL then read whole partial indexes instead of looking rows up:
 *  - the unread rows are found per reader, in a LATERAL subquery that cannot be flattened (it locks);
 *  - the UPDATE reaches the locked rows by primary key alone (they cannot have been read since
 *    they were locked; filtering on `status` again let it walk the unread index once per row);
 *  - the acknowledged row is looked up by primary key: `owed IS TRUE` is not the partial owed
 *    index's predicate, which it otherwise scanned whole.
 */

export interface ReadMark {
  chatId: string;
  userId: string;
  upTo: MessageKey;
  receiptHidden: boolean;
  at: Date;
  event: OutboxEvent<'msg.status.updated'>;
}

const MARK_READ = `WITH input AS (
  SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::uuid[],
    $6::timestamptz[], $7::boolean[], $8::uuid[], $9::text[], $10::jsonb[])
  AS i(ord, chat_id, user_id, up_to, up_to_id, at, receipt_hidden, event_id, event_subject,
    event_payload)
), locked AS MATERIALIZED (
  SELECT r.message_id, r.user_id, i.ord, i.at, i.receipt_hidden, i.up_to_id
  FROM (SELECT * FROM input ORDER BY user_id) i
  CROSS JOIN LATERAL (
    SELECT r.message_id, r.user_id FROM message_recipients r
    WHERE r.user_id = i.user_id AND r.chat_id = i.chat_id AND r.created_at <= i.up_to
      AND r.status <> 'read'
    ORDER BY r.message_id
    FOR UPDATE
  ) r
), moved AS (
  UPDATE message_recipients r
  SET status = 'read', updated_at = l.at, receipt_hidden = l.receipt_hidden,
    owed = r.owed AND r.message_id <> l.up_to_id
  FROM locked l
  WHERE r.message_id = l.message_id AND r.user_id = l.user_id
  RETURNING l.ord, r.message_id
), events AS (
  INSERT INTO message_outbox (event_id, subject, payload)
  SELECT i.event_id, i.event_subject, i.event_payload FROM input i
  WHERE EXISTS (SELECT 1 FROM moved m WHERE m.ord = i.ord) ORDER BY i.ord
), acknowledged AS (
  UPDATE message_recipients r SET owed = FALSE
  FROM input i
  WHERE r.message_id = i.up_to_id AND r.user_id = i.user_id AND r.owed IS TRUE
    AND NOT EXISTS (SELECT 1 FROM moved m WHERE m.ord = i.ord AND m.message_id = i.up_to_id)
)
SELECT ord, count(*)::int AS moved FROM moved GROUP BY ord`;

/**
 * One UPDATE moves a row at most once, and a reader's rows are locked in message id order only
 * within one of their reads: a batch naming a reader twice is applied in rounds, in its order.
 */
function rounds(marks: ReadMark[]): number[][] {
  const seen = new Map<string, number>();
  const result: number[][] = [];
  marks.forEach((mark, i) => {
    const round = seen.get(mark.userId) ?? 0;
    seen.set(mark.userId, round + 1);
    (result[round] ??= []).push(i);
  });
  return result;
}

/** The statement applying `round` (indexes into `marks`). */
export function markReadQuery(marks: ReadMark[], round: number[]) {
  const picked = round.map((i) => marks[i]);
  return {
    name: 'msgstore_mark_read',
    text: MARK_READ,
    values: [
      round,
      picked.map((m) => m.chatId),
      picked.map((m) => m.userId),
      picked.map((m) => m.upTo.created_at.toISOString()),
      picked.map((m) => m.upTo.message_id),
      picked.map((m) => m.at.toISOString()),
      picked.map((m) => m.receiptHidden),
      picked.map((m) => m.event.event_id),
      picked.map((m) => m.event.subject),
      picked.map((m) => JSON.stringify(m.event.payload)),
    ].map(pgArray),
  };
}

async function markRound(db: Queryable, marks: ReadMark[], round: number[]) {
  const { rows } = await db.query<{ ord: number; moved: number }>(markReadQuery(marks, round));
  return rows;
}

export function createReadMarks(
  pool: PgPool,
  log: Logger,
  batching: WriteBatchOptions = {},
): Pick<MessageStore, 'markReadUpTo'> {
  const write = createWriteBatch(
    (marks: ReadMark[]) =>
      retrying(
        async () => {
          const plan = rounds(marks);
          const apply = async (db: Queryable) => {
            const moved = new Array<number>(marks.length).fill(0);
            for (const round of plan)
              for (const row of await markRound(db, marks, round)) moved[row.ord] = row.moved;
            return moved;
          };
          // The usual batch names each reader once: one statement, its own transaction.
          return plan.length === 1 ? apply(pool) : withTransaction(pool, (client) => apply(client));
        },
        log,
        'msgstore_mark_read',
      ),
    batching,
  );
  return {
    markReadUpTo: (chatId, userId, upTo, receiptHidden, at, event) =>
      write({ chatId, userId, upTo, receiptHidden, at, event }),
  };
}
