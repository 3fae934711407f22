import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import {
  DEAD_LETTER_HEADERS,
  connectNats,
  consumeEvents,
  ensureStreams,
  eventMeta,
  jetstreamManager,
  jetstream,
  publishEvent,
  serverMaxDeliver,
  type ConsumeEventsSettings,
  type EventPayload,
  type JetStreamClient,
  type NatsConnection,
} from '@wa/pkg/bus';
import { createPgPool, createWriteBatch, type PgPool } from '@wa/pkg/db';
import { createServiceProbes } from '@wa/pkg/health';
import {
  eventually,
  startNatsServer,
  testLogger,
  testStores,
  using,
  type TestNatsServer,
} from '@wa/pkg/testing';

const log = testLogger();
let server: TestNatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let pool: PgPool;

before(async () => {
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'dead-letters-test', log });
  await ensureStreams(await jetstreamManager(nc));
  js = jetstream(nc);
  pool = createPgPool({ url: testStores.databaseUrl, log });
});
after(async () => {
  await pool?.end();
  await nc?.close();
  await server?.destroy();
});

const consume = (
  settings: Omit<ConsumeEventsSettings<'msg.new'>, 'nc' | 'log' | 'subjects' | 'durable'> & {
    durable?: string;
  },
) =>
  consumeEvents<'msg.new'>({
    nc,
    log,
    durable: `test-${randomUUID()}`,
    subjects: ['msg.new'],
    ...settings,
  });

function msgNew(chatId: string, body = 'hello'): EventPayload<'msg.new'> {
  return {
    ...eventMeta(),
    message_id: randomUUID(),
    chat_id: chatId,
    sender_id: randomUUID(),
    type: 'text',
    payload: { body },
    recipient_ids: [randomUUID()],
  };
}

interface DeadLetterSeen {
  subject: string;
  header: (name: string) => string;
  payload: EventPayload<'msg.new'>;
}

/** The dead letters stored in the DLQ stream for `eventId`, read back from the stream itself. */
async function deadLettersOf(eventId: string): Promise<DeadLetterSeen[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info('DLQ');
  const found: DeadLetterSeen[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const stored = await jsm.streams.getMessage('DLQ', { seq }).catch(() => null);
    if (!stored) continue;
    const payload = stored.json<EventPayload<'msg.new'>>();
    if (payload.event_id === eventId)
      found.push({ subject: stored.subject, header: (name) => stored.header.get(name), payload });
  }
  return found;
}

test('a handler that always fails: MAX_DELIVER deliveries, then dlq.<subject> with the error, and no more', async (t) => {
  const chatId = randomUUID();
  const durable = `test-${randomUUID()}`;
  const probes = createServiceProbes('test-service');
  const attempts: number[] = [];
  const handled: string[] = [];
  using(
    t,
    await consume({
      durable,
      maxDeliver: 3,
      retryDelayMs: () => 20,
      probes,
      handle: async (event) => {
        if (event.payload.chat_id !== chatId) return;
        if (event.payload.payload.body === 'poison') {
          attempts.push(event.deliveries);
          throw new Error('document refused by the store\nsecond line');
        }
        handled.push(event.payload.message_id);
      },
    }),
  );
  const jsm = await jetstreamManager(nc);
  assert.equal(
    (await jsm.consumers.info('MESSAGES', durable)).config.max_deliver,
    serverMaxDeliver(3),
  );

  const poison = msgNew(chatId, 'poison');
  await publishEvent(js, 'msg.new', poison);
  const [letter] = await eventually(
    async () => {
      const letters = await deadLettersOf(poison.event_id);
      assert.equal(letters.length, 1);
      return letters;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  assert.equal(letter.subject, 'dlq.msg.new');
  assert.deepEqual(letter.payload, poison, 'the body is the event as received, ready to replay');
  assert.equal(letter.header(DEAD_LETTER_HEADERS.subject), 'msg.new');
  assert.equal(letter.header(DEAD_LETTER_HEADERS.stream), 'MESSAGES');
  assert.equal(letter.header(DEAD_LETTER_HEADERS.consumer), durable);
  assert.equal(letter.header(DEAD_LETTER_HEADERS.deliveries), '3');
  assert.equal(
    letter.header(DEAD_LETTER_HEADERS.error),
    'Error: document refused by the store second line',
  );
  assert.deepEqual(attempts, [1, 2, 3]);

  // A marker after it on the same consumer: once it is handled and nothing is left pending or
  // unacknowledged, the poison event was terminated rather than scheduled for another delivery.
  const marker = msgNew(chatId, 'marker');
  await publishEvent(js, 'msg.new', marker);
  await eventually(() => assert.deepEqual(handled, [marker.message_id]));
  await eventually(async () => {
    const info = await jsm.consumers.info('MESSAGES', durable);
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.num_pending, 0);
  });
  assert.deepEqual(attempts, [1, 2, 3]);
  const exposition = await probes.metrics.metrics();
  assert.match(
    exposition,
    new RegExp(
      `nats_consumer_dead_letters_total\\{stream="MESSAGES",consumer="${durable}",subject="msg.new",service="test-service"\\} 1`,
    ),
  );
  // Deliveries 2 and 3 were redeliveries; nothing is left waiting or unacknowledged (addenda L).
  assert.match(
    exposition,
    new RegExp(
      `nats_consumer_redeliveries_total\\{stream="MESSAGES",consumer="${durable}",subject="msg.new",service="test-service"\\} 2`,
    ),
  );
  for (const state of ['waiting', 'unacked'])
    assert.match(
      exposition,
      new RegExp(
        `nats_consumer_pending\\{stream="MESSAGES",consumer="${durable}",state="${state}",service="test-service"\\} 0`,
      ),
    );
});

test('nats_consumer_pending reads the lag from JetStream: events delivered but not yet acknowledged', async (t) => {
  const chatId = randomUUID();
  const durable = `test-${randomUUID()}`;
  const probes = createServiceProbes('test-service');
  let release: () => void = () => {};
  const held = new Promise<void>((done) => (release = done));
  let started = 0;
  using(
    t,
    await consume({
      durable,
      probes,
      handle: async (event) => {
        if (event.payload.chat_id !== chatId) return;
        started++;
        await held;
      },
    }),
  );
  for (let i = 0; i < 3; i++) await publishEvent(js, 'msg.new', msgNew(chatId));
  await eventually(() => assert.equal(started, 1));
  const unacked = new RegExp(
    `nats_consumer_pending\\{stream="MESSAGES",consumer="${durable}",state="unacked",service="test-service"\\} 3`,
  );
  await eventually(async () => assert.match(await probes.metrics.metrics(), unacked));
  release();
  await eventually(async () =>
    assert.match(
      await probes.metrics.metrics(),
      new RegExp(`consumer="${durable}",state="unacked",service="test-service"\\} 0`),
    ),
  );
});

test('a poison event batched with good ones fails alone: the good ones are stored on their first delivery', async (t) => {
  const table = `dead_letter_batch_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await pool.query(
    `CREATE TABLE ${table} (id uuid PRIMARY KEY, body text NOT NULL CHECK (body <> 'poison'))`,
  );
  using(t, table, (name) => pool.query(`DROP TABLE IF EXISTS ${name}`));
  // Group commit, as the stores do it: events handled at the same time share one INSERT.
  const insert = createWriteBatch(async (rows: { id: string; body: string }[]) => {
    await pool.query(
      `INSERT INTO ${table} (id, body) SELECT * FROM unnest($1::uuid[], $2::text[])`,
      [rows.map((row) => row.id), rows.map((row) => row.body)],
    );
    return rows.map(() => undefined);
  });

  const chatId = randomUUID();
  const events = ['first', 'second', 'poison', 'third', 'fourth'].map((body) =>
    msgNew(chatId, body),
  );
  const poison = events[2];
  const good = events.filter((event) => event !== poison);
  // Every event waits here on its first delivery until all have arrived, so they reach the
  // store together: the first alone (nothing was in flight), the other four in one batch.
  let arrived = 0;
  let openGate = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const failures: { body: string; deliveries: number }[] = [];
  const stored: { body: string; deliveries: number }[] = [];
  using(
    t,
    await consume({
      maxDeliver: 2,
      retryDelayMs: () => 20,
      concurrency: 8,
      maxMessages: 16,
      handle: async (event) => {
        if (event.payload.chat_id !== chatId) return;
        const body = String(event.payload.payload.body);
        if (event.deliveries === 1) {
          arrived += 1;
          await gate;
        }
        try {
          await insert({ id: event.payload.message_id, body });
          stored.push({ body, deliveries: event.deliveries });
        } catch (error) {
          failures.push({ body, deliveries: event.deliveries });
          throw error;
        }
      },
    }),
  );
  for (const event of events) await publishEvent(js, 'msg.new', event);
  await eventually(() => assert.equal(arrived, events.length));
  openGate();

  await eventually(async () => assert.equal((await deadLettersOf(poison.event_id)).length, 1), {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  assert.deepEqual(
    [...stored].sort((a, b) => a.body.localeCompare(b.body)),
    [
      { body: 'first', deliveries: 1 },
      { body: 'fourth', deliveries: 1 },
      { body: 'second', deliveries: 1 },
      { body: 'third', deliveries: 1 },
    ],
  );
  assert.deepEqual(failures, [
    { body: 'poison', deliveries: 1 },
    { body: 'poison', deliveries: 2 },
  ]);
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY body`);
  assert.deepEqual(rows.map((row) => row.id).sort(), good.map((event) => event.message_id).sort());
  for (const event of good) assert.deepEqual(await deadLettersOf(event.event_id), []);
});

test('an existing durable that redelivered without limit is bounded when its service starts', async (t) => {
  const durable = `test-${randomUUID()}`;
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add('MESSAGES', {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: 10_000_000_000,
    max_deliver: -1,
    filter_subject: 'msg.new',
  });
  using(t, await consume({ durable, maxDeliver: 4, handle: async () => {} }));
  const info = await jsm.consumers.info('MESSAGES', durable);
  assert.equal(info.config.max_deliver, serverMaxDeliver(4));
});

test('an event handled for longer than the ack wait is kept in progress, not delivered again', async (t) => {
  const chatId = randomUUID();
  const deliveries: { body: string; deliveries: number }[] = [];
  let slowDone = false;
  using(
    t,
    await consume({
      handle: async (event) => {
        if (event.payload.chat_id !== chatId) return;
        const body = String(event.payload.payload.body);
        deliveries.push({ body, deliveries: event.deliveries });
        if (body !== 'slow') return;
        // Longer than the consumer's 10 s ack wait: a slow store, a long queue behind one chat.
        await sleep(12_000);
        slowDone = true;
      },
    }),
  );
  await publishEvent(js, 'msg.new', msgNew(chatId, 'slow'));
  await eventually(() => assert.ok(slowDone), { timeoutMs: 30_000, intervalMs: 100 });
  // A marker published after it: a redelivery of the slow event (sent by the server once its ack
  // wait ran out) would be handed over before the marker.
  await publishEvent(js, 'msg.new', msgNew(chatId, 'marker'));
  await eventually(() => assert.equal(deliveries.at(-1)?.body, 'marker'));
  assert.deepEqual(deliveries, [
    { body: 'slow', deliveries: 1 },
    { body: 'marker', deliveries: 1 },
  ]);
});
