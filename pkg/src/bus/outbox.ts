import type { JetStreamClient } from '@nats-io/jetstream';
import { withTransaction, type PgPool, type Queryable } from '../db/index.ts';
import type { Logger } from '../log/index.ts';
import {
  EventValidationError,
  assertEvent,
  isEventSubject,
  type EventPayload,
  type EventSubject,
} from './events.ts';
import { publishEvent } from './publish.ts';
import type { Worker } from '../service/types.ts';

/*
 * Transactional outbox: a service writes its events into `event_outbox` (migration 0003) in the
 * same PostgreSQL transaction as the change they describe, so an event exists exactly when the
 * change committed. The relay publishes pending rows oldest first and deletes each once JetStream
 * has acknowledged it; while NATS is down it retries with backoff, so an outage delays events but
 * never loses them. One relay publishes at a time across all instances (a transaction-scoped
 * advisory lock), which keeps the stream in commit order; a row published twice (a crash between
 * the ack and the delete) is dropped by JetStream's duplicate window, keyed on `event_id`.
 */

interface OutboxRow {
  id: string;
  subject: string;
  payload: unknown;
}

export interface OutboxSettings {
  pool: PgPool;
  js: JetStreamClient;
  log: Logger;
  batchSize?: number;
  /** How often an idle relay looks for rows other instances wrote (default 500 ms). */
  pollIntervalMs?: number;
  /** Longest wait between retries while NATS is unreachable (default 10 s). */
  maxBackoffMs?: number;
  publishTimeoutMs?: number;
  /** `event_outbox` unless a test wants a table of its own (same columns). */
  table?: string;
}

export interface Outbox {
  /** Writes one event; pass the transaction that makes the change the event describes. */
  enqueue<S extends EventSubject>(
    db: Queryable,
    subject: S,
    payload: EventPayload<S>,
  ): Promise<void>;
  /** Starts relaying in the background. */
  start(): void;
  /** Wakes the relay now, e.g. right after a transaction that enqueued events committed. */
  notify(): void;
  /**
   * Publishes everything pending now (after any other relay's batch); resolves with the count,
   * rejects if NATS refused one.
   */
  flush(): Promise<number>;
  /** Finishes the batch in hand and stops. */
  stop(): Promise<void>;
}

/** What a service that writes events needs of the outbox (tests pass a real one too). */
export type EventSink = Pick<Outbox, 'enqueue' | 'notify'>;

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function createOutbox(settings: OutboxSettings): Outbox {
  const { pool, js, log } = settings;
  const table = settings.table ?? 'event_outbox';
  if (!TABLE_NAME.test(table)) throw new Error(`invalid outbox table name ${table}`);
  // Every relay of one table takes the same lock, so only one publishes at a time.
  const lockKey = `wa:outbox:${table}`;
  const batchSize = settings.batchSize ?? 100;
  const pollIntervalMs = settings.pollIntervalMs ?? 500;
  const maxBackoffMs = settings.maxBackoffMs ?? 10_000;

  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let pendingWake = false;

  async function publishRow(row: OutboxRow): Promise<void> {
    if (!isEventSubject(row.subject))
      throw new EventValidationError(row.subject, ['unknown subject']);
    const subject: EventSubject = row.subject;
    assertEvent(subject, row.payload);
    await publishEvent(js, subject, row.payload, { timeoutMs: settings.publishTimeoutMs });
  }

  /** One batch under the relay lock: publishes in order until one fails. */
  async function relayBatch(
    waitForLock: boolean,
  ): Promise<{ published: number; full: boolean; error?: Error }> {
    return withTransaction(pool, async (tx) => {
      const lock = await tx.query<{ locked: boolean }>(
        waitForLock
          ? 'SELECT TRUE AS locked FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS held'
          : 'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        [lockKey],
      );
      if (!lock.rows[0]?.locked) return { published: 0, full: false };
      const { rows } = await tx.query<OutboxRow>(
        `SELECT id, subject, payload FROM ${table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      const done: string[] = [];
      let failure: Error | undefined;
      for (const row of rows) {
        try {
          await publishRow(row);
          done.push(row.id);
        } catch (error) {
          if (error instanceof EventValidationError) {
            // It can never be published; keeping it would block every event behind it.
            log.error(
              { outbox_id: row.id, problems: error.problems },
              'invalid outbox event dropped',
            );
            done.push(row.id);
            continue;
          }
          failure = error instanceof Error ? error : new Error(String(error));
          await tx.query(
            `UPDATE ${table} SET attempts = attempts + 1, last_error = $2 WHERE id = $1`,
            [row.id, failure.message],
          );
          break;
        }
      }
      if (done.length > 0)
        await tx.query(`DELETE FROM ${table} WHERE id = ANY($1::bigint[])`, [done]);
      return { published: done.length, full: rows.length === batchSize, error: failure };
    });
  }

  async function flush(waitForLock = true): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, full, error } = await relayBatch(waitForLock);
      total += published;
      if (error) throw error;
      if (!full) return total;
    }
  }

  function idle(ms: number): Promise<void> {
    if (pendingWake) {
      pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      let delay = pollIntervalMs;
      try {
        await flush(false);
        failures = 0;
      } catch (error) {
        failures += 1;
        delay = Math.min(200 * 2 ** failures, maxBackoffMs);
        log.warn({ err: error, failures, retry_in_ms: delay }, 'outbox relay failed; retrying');
      }
      if (running) await idle(delay);
    }
  }

  return {
    async enqueue(db, subject, payload) {
      assertEvent(subject, payload);
      await db.query(`INSERT INTO ${table} (event_id, subject, payload) VALUES ($1, $2, $3)`, [
        payload.event_id,
        subject,
        JSON.stringify(payload),
      ]);
    },
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    notify() {
      if (wake) wake();
      else pendingWake = true;
    },
    flush: () => flush(true),
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}

/** The relay as a service worker: on shutdown it stops, then publishes what is still pending. */
export function outboxWorker(outbox: Pick<Outbox, 'start' | 'stop' | 'flush'>): Worker {
  return {
    name: 'outbox',
    start: () => outbox.start(),
    async stop() {
      await outbox.stop();
      await outbox.flush(); // what still fails waits for the next instance
    },
  };
}
