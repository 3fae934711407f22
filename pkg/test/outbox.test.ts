import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  EventValidationError,
  connectNats,
  createOutbox,
  ensureStreams,
  eventMeta,
  jetstream,
  jetstreamManager,
  type EventPayload,
  type NatsConnection,
} from '@wa/pkg/bus';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPgPool, withTransaction, type PgPool } from '@wa/pkg/db';
import { createLogger } from '@wa/pkg/log';
import {
  captureEvents,
  eventually,
  startNatsServer,
  testLogger,
  testStores,
  type TestNatsServer,
} from '@wa/pkg/testing';

// A table of its own: other test files relay the shared chat_outbox to the shared NATS.
const table = `outbox_test_${randomUUID().replaceAll('-', '')}`;
const log = testLogger();
let pool: PgPool;
let server: TestNatsServer;
let nc: NatsConnection;

before(async () => {
  pool = createPgPool({ url: testStores.databaseUrl, log });
  await pool.query(`CREATE TABLE ${table} (LIKE chat_outbox INCLUDING ALL)`);
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'outbox-test', log });
  await ensureStreams(await jetstreamManager(nc));
});
after(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
  await nc.close();
  await server.destroy();
});

const outboxFor = (publishTimeoutMs = 5_000, sweepGraceMs = 30_000) =>
  createOutbox({
    pool,
    js: jetstream(nc),
    log,
    table,
    sweepIntervalMs: 50,
    sweepGraceMs,
    maxBackoffMs: 200,
    publishTimeoutMs,
  });

const memberAdded = (chatId: string): EventPayload<'group.member.added'> => ({
  ...eventMeta(),
  chat_id: chatId,
  user_id: randomUUID(),
  added_by: randomUUID(),
  participant_ids: [],
});

const pending = async (): Promise<number> =>
  Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

test('an event enqueued in a rolled-back transaction is never published', async () => {
  const outbox = outboxFor();
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      await outbox.enqueue(tx, 'group.member.added', memberAdded(randomUUID()));
      throw new Error('the change failed');
    }),
    /the change failed/,
  );
  assert.equal(await pending(), 0);
});

test('refuses to enqueue an invalid event', async () => {
  const outbox = outboxFor();
  await assert.rejects(
    outbox.enqueue(pool, 'group.member.added', { ...memberAdded(randomUUID()), user_id: 'x' }),
    EventValidationError,
  );
});

test('publishes committed events oldest first with event_id as message id, then deletes them', async () => {
  const chatId = randomUUID();
  const capture = await captureEvents(nc, 'group.>');
  const outbox = outboxFor();
  const events = [memberAdded(chatId), memberAdded(chatId), memberAdded(chatId)];
  const stored = await withTransaction(pool, async (tx) => {
    const written = [];
    for (const event of events) written.push(await outbox.enqueue(tx, 'group.member.added', event));
    return written;
  });
  outbox.notify(...stored);
  assert.equal(await outbox.flush(), 3);
  await capture.waitFor('group.member.added', (e) => e.event_id === events[2].event_id);
  await capture.stop();
  const mine = capture.events.filter((e) => e.payload.chat_id === chatId);
  assert.deepEqual(
    mine.map((e) => e.payload.event_id),
    events.map((e) => e.event_id),
  );
  assert.deepEqual(
    mine.map((e) => e.msgId),
    events.map((e) => e.event_id),
  );
  assert.equal(await pending(), 0);
});

test('with a linger, events written within it go out together, the first once the linger is over', async () => {
  const js = jetstream(nc);
  const publishedAt: number[] = [];
  // The relay's JetStream client, timing each publish it is asked for.
  const timed = new Proxy(js, {
    get(target, key) {
      if (key !== 'publish') return Reflect.get(target, key, target) as unknown;
      return (...args: Parameters<typeof js.publish>) => {
        publishedAt.push(performance.now());
        return target.publish(...args);
      };
    },
  });
  const lingerMs = 300;
  const outbox = createOutbox({ pool, js: timed, log, table, lingerMs, sweepIntervalMs: 60_000 });
  outbox.start();
  const capture = await captureEvents(nc, 'group.>');
  // An idle relay has nothing to linger for: the wait starts with the first event, however long
  // after start() it comes (a linger begun by start() itself once let this one out early).
  await sleep(lingerMs / 2);
  const chatId = randomUUID();
  const events = [memberAdded(chatId), memberAdded(chatId), memberAdded(chatId)];
  const firstWritten = performance.now();
  for (const event of events) {
    outbox.notify(await outbox.enqueue(pool, 'group.member.added', event));
    await sleep(20);
  }
  await capture.waitFor('group.member.added', (e) => e.event_id === events[2].event_id);
  await outbox.stop();
  await capture.stop();
  assert.equal(publishedAt.length, 3);
  assert.ok(publishedAt[0] - firstWritten >= lingerMs - 5, 'the first event waited for company');
  assert.ok(publishedAt[2] - publishedAt[0] < 50, 'the three went out in one round');
});

test('keeps events while NATS is down and publishes them once it is back', async () => {
  const chatId = randomUUID();
  const capture = await captureEvents(nc, 'group.>');
  const outbox = outboxFor(500);
  outbox.start();
  try {
    await server.stop();
    const event = memberAdded(chatId);
    outbox.notify(await outbox.enqueue(pool, 'group.member.added', event));
    // The relay records each failed publish on the stored row: once it has failed, the row stays.
    await eventually(async () => {
      const { rows } = await pool.query(`SELECT attempts FROM ${table} WHERE event_id = $1`, [
        event.event_id,
      ]);
      assert.ok(rows[0]?.attempts >= 1, 'the relay must have tried');
    });
    assert.equal(await pending(), 1, 'the event must wait in the outbox');

    await server.start();
    const arrived = await capture.waitFor(
      'group.member.added',
      (e) => e.event_id === event.event_id,
      15_000,
    );
    assert.equal(arrived.chat_id, chatId);
    // The relay marks the row sent just after JetStream acknowledges, so allow it a moment.
    await eventually(async () => assert.equal(await pending(), 0), {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
  } finally {
    await outbox.stop();
    await capture.stop();
  }
});

test('while NATS is down, each failed round counts once in the backoff, however many writes queued', async () => {
  const lines = new PassThrough();
  const retries: { failures: number; retry_in_ms: number; time: string }[] = [];
  lines.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as {
        msg: string;
        failures: number;
        retry_in_ms: number;
        time: string;
      };
      if (entry.msg === 'outbox relay failed; retrying') retries.push(entry);
    }
  });
  const outbox = createOutbox({
    pool,
    js: jetstream(nc),
    log: createLogger({ service: 'outbox-test', level: 'warn', destination: lines }),
    table,
    sweepGraceMs: 60_000,
    maxBackoffMs: 60_000,
    publishTimeoutMs: 300,
  });
  outbox.start();
  await server.stop();
  try {
    const chatId = randomUUID();
    const stored = [];
    for (let i = 0; i < 10; i++)
      stored.push(await outbox.enqueue(pool, 'group.member.added', memberAdded(chatId)));
    // Ten writes land while the first round is in flight, as under load.
    for (const event of stored) outbox.notify(event);
    await eventually(() => assert.ok(retries.length >= 2, 'two failed rounds'), {
      timeoutMs: 10_000,
    });
    assert.deepEqual(
      retries.slice(0, 2).map((r) => r.failures),
      [1, 2],
      'each round is one failure',
    );
    assert.ok(
      Date.parse(retries[1].time) - Date.parse(retries[0].time) >= retries[0].retry_in_ms,
      'the second round waits out the first backoff',
    );
  } finally {
    await outbox.stop();
    await server.start();
    // Leaves the table empty for the next tests, once the connection is back.
    await eventually(() => outbox.flush(), { timeoutMs: 15_000, intervalMs: 200 });
  }
});

test('events a stopped instance left behind are swept once, in order, by one of two relays', async () => {
  const chatId = randomUUID();
  const capture = await captureEvents(nc, 'group.>');
  const relays = [outboxFor(5_000, 0), outboxFor(5_000, 0)];
  const events = Array.from({ length: 40 }, () => memberAdded(chatId));
  for (const event of events) await relays[0].enqueue(pool, 'group.member.added', event);
  relays.forEach((relay) => relay.start());
  try {
    await capture.waitFor('group.member.added', (e) => e.event_id === events[39].event_id);
    await eventually(async () => assert.equal(await pending(), 0), { timeoutMs: 5_000 });
    await Promise.all(relays.map((relay) => relay.stop()));
    // Published after the sweeps are over: once it arrives, any second copy would have too.
    const marker = memberAdded(chatId);
    relays[0].notify(await relays[0].enqueue(pool, 'group.member.added', marker));
    await relays[0].flush();
    await capture.waitFor('group.member.added', (e) => e.event_id === marker.event_id);
    events.push(marker);
  } finally {
    await Promise.all(relays.map((relay) => relay.stop()));
    await capture.stop();
  }
  const ids = capture.events
    .filter((e) => e.payload.chat_id === chatId)
    .map((e) => e.payload.event_id);
  assert.deepEqual(
    ids,
    events.map((e) => e.event_id),
  );
});

test('an event its schema refuses is dropped and holds up none behind it', async () => {
  const chatId = randomUUID();
  const capture = await captureEvents(nc, 'group.>');
  const outbox = outboxFor();
  try {
    const broken = randomUUID();
    await pool.query(
      `INSERT INTO ${table} (event_id, subject, payload) VALUES ($1, 'group.member.added', $2)`,
      [broken, JSON.stringify({ event_id: broken, chat_id: chatId })],
    );
    const valid = memberAdded(chatId);
    await outbox.enqueue(pool, 'group.member.added', valid);
    assert.equal(await outbox.flush(), 1, 'only the valid event is published');
    await capture.waitFor('group.member.added', (e) => e.event_id === valid.event_id);
    assert.equal(await pending(), 0, 'the refused event is gone too');
  } finally {
    await outbox.stop();
    await capture.stop();
  }
});
