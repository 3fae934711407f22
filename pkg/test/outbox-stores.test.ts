import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  connectNats,
  createMongoOutboxStore,
  createOutboxRelay,
  createPostgresOutboxStore,
  ensureStreams,
  eventMeta,
  jetstream,
  jetstreamManager,
  type NatsConnection,
  type OutboxEvent,
  type OutboxStore,
} from '@wa/pkg/bus';
import { createMongoClient, createPgPool, type MongoClient, type PgPool } from '@wa/pkg/db';
import { createServiceProbes } from '@wa/pkg/health';
import {
  captureEvents,
  privateMongoUrl,
  startNatsServer,
  testLogger,
  testStores,
  type TestNatsServer,
} from '@wa/pkg/testing';

/*
 * One suite for every outbox store (tinode/chat's db testsuite pattern): the relay over each
 * store sweeps what a stopped instance left, in order, drops what `confirm` refuses or the schema
 * refuses, and lets one holder sweep at a time. Each store gets a table or database of its own.
 */

const log = testLogger();
const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
const table = `outbox_store_test_${suffix}`;
let pool: PgPool;
let mongo: MongoClient;
let server: TestNatsServer;
let nc: NatsConnection;

before(async () => {
  pool = createPgPool({ url: testStores.databaseUrl, log });
  await pool.query(`CREATE TABLE ${table} (LIKE chat_outbox INCLUDING ALL)`);
  mongo = createMongoClient({
    url: privateMongoUrl(testStores.mongoUrl, `outbox_store_test_${suffix}`),
  });
  await mongo.connect();
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'outbox-stores-test', log });
  await ensureStreams(await jetstreamManager(nc));
});
after(async () => {
  await pool?.query(`DROP TABLE IF EXISTS ${table}`);
  await pool?.end();
  await mongo
    ?.db()
    .dropDatabase()
    .catch(() => {});
  await mongo?.close();
  await nc?.close();
  await server?.destroy();
});

interface Adapter {
  store: () => OutboxStore;
  /** Stores an event as a writer of this backend does, without telling any relay. */
  put: (event: OutboxEvent) => Promise<void>;
  /** Stores something no schema accepts, as a bug in a writer could. */
  putRaw: (eventId: string, payload: unknown) => Promise<void>;
}

const ADAPTERS: Record<string, Adapter> = {
  postgres: {
    store: () => createPostgresOutboxStore(pool, table),
    put: async (event) => {
      await createPostgresOutboxStore(pool, table).enqueue(pool, event.subject, event.payload);
    },
    putRaw: async (eventId, payload) => {
      await pool.query(
        `INSERT INTO ${table} (event_id, subject, payload) VALUES ($1, 'group.member.added', $2)`,
        [eventId, JSON.stringify(payload)],
      );
    },
  },
  mongo: {
    store: () => mongoStore(),
    put: (event) => mongoStore().enqueue(event),
    putRaw: async (eventId, payload) => {
      await mongo.db().collection('outbox').insertOne({
        event_id: eventId,
        subject: 'group.member.added',
        payload,
        created_at: new Date(),
      });
    },
  },
};

const mongoStore = () =>
  createMongoOutboxStore({
    db: mongo.db(),
    collection: 'outbox',
    leaseCollection: 'outbox_lease',
    leaseName: 'outbox-stores-test',
  });

// A store orders events written in the same millisecond by event_id; each test event has its own.
let clock = Date.now() - 1_000;

const memberAdded = (chatId: string): OutboxEvent<'group.member.added'> => {
  const payload = {
    ...eventMeta(),
    chat_id: chatId,
    user_id: randomUUID(),
    added_by: randomUUID(),
    participant_ids: [],
  };
  return {
    event_id: payload.event_id,
    subject: 'group.member.added',
    payload,
    created_at: new Date(clock++),
  };
};

for (const [name, adapter] of Object.entries(ADAPTERS)) {
  describe(`the ${name} outbox store`, () => {
    const relayOver = (store: OutboxStore, confirm?: (e: OutboxEvent[]) => Promise<boolean[]>) =>
      createOutboxRelay({ store, js: jetstream(nc), log, confirm, sweepGraceMs: 0 });

    test('hands out only events older than the asked age, oldest first', async () => {
      const store = adapter.store();
      const events = [memberAdded(randomUUID()), memberAdded(randomUUID())];
      for (const event of events) await adapter.put(event);
      const mine = (found: OutboxEvent[]) =>
        found.filter((e) => events.some((m) => m.event_id === e.event_id)).map((e) => e.event_id);
      assert.deepEqual(mine(await store.pending(60_000, 1_000)), []);
      assert.deepEqual(
        mine(await store.pending(0, 1_000)),
        events.map((e) => e.event_id),
      );
      await store.remove(events.map((e) => e.event_id));
      assert.deepEqual(mine(await store.pending(0, 1_000)), []);
    });

    test('lets one holder sweep at a time', async () => {
      const store = adapter.store();
      const inner = await store.withLease('a', 30_000, () =>
        store.withLease('b', 30_000, () => Promise.resolve('b swept')),
      );
      assert.equal(inner, undefined, 'b waits while a sweeps');
      await store.releaseLease('a');
      assert.equal(await store.withLease('b', 30_000, () => Promise.resolve('b swept')), 'b swept');
      await store.releaseLease('b');
    });

    test('events a stopped instance left are published in order, once, then removed', async () => {
      const chatId = randomUUID();
      const capture = await captureEvents(nc, 'group.>');
      const events = Array.from({ length: 5 }, () => memberAdded(chatId));
      for (const event of events) await adapter.put(event);
      const relay = relayOver(adapter.store());
      try {
        assert.equal(await relay.flush(), 5);
        assert.equal(await relay.flush(), 0, 'nothing is left to publish again');
        await capture.waitFor('group.member.added', (e) => e.event_id === events[4].event_id);
      } finally {
        await relay.stop();
        await capture.stop();
      }
      assert.deepEqual(
        capture.events.filter((e) => e.payload.chat_id === chatId).map((e) => e.msgId),
        events.map((e) => e.event_id),
      );
    });

    test('its depth counts what is stored and not yet published, and is gauged at each scrape', async () => {
      const probes = createServiceProbes('outbox-test');
      const relay = createOutboxRelay({ store: adapter.store(), js: jetstream(nc), log, probes });
      const depth = async () =>
        Number(/^outbox_depth\{[^}]*\} (\d+)$/m.exec(await probes.metrics.metrics())?.[1]);
      try {
        await relay.flush();
        assert.equal(await adapter.store().depth(), 0);
        assert.equal(await depth(), 0);
        for (let i = 0; i < 3; i++) await adapter.put(memberAdded(randomUUID()));
        assert.equal(await adapter.store().depth(), 3);
        assert.equal(await depth(), 3);
        assert.equal(await relay.flush(), 3);
        assert.equal(await depth(), 0);
      } finally {
        await relay.stop();
      }
    });

    test('drops events whose change never happened and events the schema refuses', async () => {
      const chatId = randomUUID();
      const [unapplied, applied] = [memberAdded(chatId), memberAdded(chatId)];
      await adapter.putRaw(randomUUID(), { chat_id: chatId });
      await adapter.put(unapplied);
      await adapter.put(applied);
      const confirm = (left: OutboxEvent[]) =>
        Promise.resolve(left.map((e) => e.event_id !== unapplied.event_id));
      const capture = await captureEvents(nc, 'group.>');
      const relay = relayOver(adapter.store(), confirm);
      try {
        assert.equal(await relay.flush(), 1, 'only the applied event is published');
        await capture.waitFor('group.member.added', (e) => e.event_id === applied.event_id);
        assert.equal((await adapter.store().pending(0, 1_000)).length, 0, 'both dropped for good');
      } finally {
        await relay.stop();
        await capture.stop();
      }
      assert.deepEqual(
        capture.events.filter((e) => e.payload.chat_id === chatId).map((e) => e.msgId),
        [applied.event_id],
      );
    });
  });
}
