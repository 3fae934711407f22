import { pgArray, withTransaction, type PgPool, type Queryable } from '../db/index.ts';
import type { ServiceProbes } from '../health/index.ts';
import type { Logger } from '../log/index.ts';
import { assertEvent, type EventPayload, type EventSubject } from './events.ts';
import {
  createOutboxRelay,
  type OutboxEvent,
  type OutboxRelay,
  type OutboxStore,
  type OutboxTuning,
} from './outbox-relay.ts';
import type { StreamPublish } from './stream-publisher.ts';

/*
 * A PostgreSQL service's outbox: a table of its own (`user_outbox`, `chat_outbox`, migration 0004)
 * written in the same transaction as the change each event describes, so an event exists exactly
 * when its change committed. Rows are swept in insertion order under a transaction-scoped advisory
 * lock named after the table: one sweeper per table, whatever the number of instances.
 */

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresOutboxStore extends OutboxStore {
  /** Writes one event; pass the transaction that makes the change the event describes. */
  enqueue: <S extends EventSubject>(
    db: Queryable,
    subject: S,
    payload: EventPayload<S>,
  ) => Promise<OutboxEvent<S>>;
}

interface OutboxRow {
  event_id: string;
  subject: EventSubject;
  payload: EventPayload<EventSubject>;
  created_at: Date;
}

export function createPostgresOutboxStore(pool: PgPool, table: string): PostgresOutboxStore {
  // Only a validated identifier is ever spliced into the SQL below.
  if (!TABLE_NAME.test(table)) throw new Error(`invalid outbox table name ${table}`);
  const lockKey = `wa:outbox:${table}`;

  return {
    async enqueue(db, subject, payload) {
      assertEvent(subject, payload);
      await db.query(`INSERT INTO ${table} (event_id, subject, payload) VALUES ($1, $2, $3)`, [
        payload.event_id,
        subject,
        JSON.stringify(payload),
      ]);
      return { event_id: payload.event_id, subject, payload, created_at: new Date() };
    },

    async pending(minAgeMs, limit) {
      // The database's clock on both sides: a row's created_at is its transaction's now().
      const { rows } = await pool.query<OutboxRow>(
        `SELECT event_id, subject, payload, created_at FROM ${table}
         WHERE created_at <= now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY id LIMIT $2`,
        [minAgeMs, limit],
      );
      return rows;
    },

    async depth() {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      return rows[0]?.n ?? 0;
    },

    async remove(eventIds) {
      if (!eventIds.length) return;
      // Named: prepared once per connection (it runs after every published batch).
      await pool.query({
        name: `outbox_remove_${table}`,
        text: `DELETE FROM ${table} WHERE event_id = ANY($1::uuid[])`,
        values: [pgArray(eventIds)],
      });
    },

    async recordFailure(eventId, error) {
      await pool.query(
        `UPDATE ${table} SET attempts = attempts + 1, last_error = $2 WHERE event_id = $1`,
        [eventId, error],
      );
    },

    // The lock lives as long as the transaction: a crashed sweeper's connection frees it.
    withLease: (_holder, _ttlMs, sweep) =>
      withTransaction(pool, async (tx) => {
        const { rows } = await tx.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
          [lockKey],
        );
        return rows[0]?.locked ? sweep() : undefined;
      }),

    releaseLease: async () => {},
  };
}

export interface OutboxSettings extends OutboxTuning {
  pool: PgPool;
  js: StreamPublish;
  log: Logger;
  /** The service's own outbox table (`user_outbox`, `chat_outbox`), or a test's copy of it. */
  table: string;
  /** The service's probes: its outbox depth is gauged. */
  probes?: ServiceProbes;
}

/** A PostgreSQL service's outbox: its store's `enqueue` and the relay that publishes it. */
export type Outbox = OutboxRelay & Pick<PostgresOutboxStore, 'enqueue'>;

/** What a service that writes events needs of the outbox: write in the transaction, then notify. */
export type EventSink = Pick<Outbox, 'enqueue' | 'notify'>;

export function createOutbox(settings: OutboxSettings): Outbox {
  const { pool, table, ...relaySettings } = settings;
  const store = createPostgresOutboxStore(pool, table);
  const relay = createOutboxRelay({ ...relaySettings, store });
  return { ...relay, enqueue: store.enqueue };
}
