import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AckPolicy } from '@nats-io/jetstream';
import { ensureStreams, jetstream, jetstreamManager } from '@wa/pkg/bus';
import { eventually, startNatsServer, type TestNatsServer } from '@wa/pkg/testing';
import { call, freshMongoUrl, startMessageApp, text, type MessageHarness } from './helpers.ts';

let nats: TestNatsServer;
let h: MessageHarness;
// Command monitoring lets a test count the deletes the relay sends (the real driver's events).
const mongoUrl = (() => {
  const url = new URL(freshMongoUrl());
  url.searchParams.set('monitorCommands', 'true');
  return url.toString();
})();

before(async () => {
  nats = await startNatsServer();
  // Its own database: no other test's relay may publish (or miss) these messages.
  h = await startMessageApp({ natsUrl: nats.url, mongoUrl });
  await ensureStreams(await jetstreamManager(h.nc));
});
after(async () => {
  await h?.mongo
    .db()
    .dropDatabase()
    .catch(() => {});
  await h?.close();
  await nats?.destroy();
});

const DURABLE = 'outbox-test';

/**
 * MESSAGES keeps events only while a consumer is interested, so a durable consumer exists before
 * NATS goes down; afterwards it yields every msg.new in stream order.
 */
async function watchMsgNew(): Promise<void> {
  const jsm = await jetstreamManager(h.nc);
  await jsm.consumers.add('MESSAGES', {
    durable_name: DURABLE,
    ack_policy: AckPolicy.Explicit,
    filter_subject: 'msg.new',
  });
}

async function readMsgNew(expected: number, timeoutMs = 20_000) {
  // Right after a restart JetStream needs a moment before it answers API requests.
  const consumer = await eventually(
    () => jetstream(h.nc, { timeout: 1_000 }).consumers.get('MESSAGES', DURABLE),
    { timeoutMs: 25_000, intervalMs: 250 },
  );
  const seen: { message_id: string; chat_id: string }[] = [];
  const messages = await consumer.consume();
  const timer = setTimeout(() => messages.stop(), timeoutMs);
  for await (const message of messages) {
    seen.push(message.json());
    message.ack();
    if (seen.length >= expected) break;
  }
  clearTimeout(timer);
  messages.stop();
  return seen;
}

test('messages acknowledged while NATS is down are published, in order, once it is back', async () => {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id);
  await watchMsgNew();
  await nats.stop();
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await call(
      h,
      i % 2 ? bob.id : alice.id,
      'POST',
      `/api/v1/chats/${chat.id}/messages`,
      text(`offline ${i}`),
    );
    assert.equal(res.status, 201, 'sending does not need NATS');
    ids.push(res.data.message.message_id as string);
  }
  // The relay fails and backs off meanwhile: it records the failed publish on the stored event.
  await eventually(
    async () => assert.ok((await outbox().countDocuments({ attempts: { $gte: 1 } })) >= 1),
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  await nats.start();
  const published = await readMsgNew(ids.length);
  assert.deepEqual(
    published.map((e) => e.message_id),
    ids,
  );
  // Nothing is left waiting once they are out.
  await outboxEmptied();
});

test('a message another instance stored but never published is published by the sweep', async () => {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id);
  const sent = await call(h, alice.id, 'POST', `/api/v1/chats/${chat.id}/messages`, text('live'));
  assert.equal(sent.status, 201);
  assert.deepEqual(
    (await readMsgNew(1)).map((e) => e.message_id),
    [sent.data.message.message_id],
  );
  // What an instance that stopped after storing a message, before publishing it, leaves behind;
  // and an entry whose message never got stored (stopped between the two inserts).
  const collection = h.mongo.db().collection('messages');
  const original = await collection.findOne(
    { message_id: sent.data.message.message_id },
    { projection: { _id: 0 } },
  );
  const at = new Date(Date.now() - 60_000);
  const orphan = {
    ...original,
    message_id: randomUUID(),
    client_msg_id: randomUUID(),
    event_id: randomUUID(),
    created_at: at,
  };
  const neverStored = { ...orphan, message_id: randomUUID(), event_id: randomUUID() };
  const entry = (doc: typeof orphan) => ({
    event_id: doc.event_id,
    subject: 'msg.new',
    created_at: at,
    payload: {
      event_id: doc.event_id,
      timestamp: at.toISOString(),
      message_id: doc.message_id,
      chat_id: chat.id,
      sender_id: alice.id,
      type: 'text',
      payload: { body: 'live' },
      recipient_ids: [bob.id],
    },
  });
  // And an entry its schema refuses: dropped, never holding up the others.
  const malformed = {
    event_id: randomUUID(),
    subject: 'msg.deleted',
    created_at: at,
    payload: { unexpected: true },
  };
  // The message first: backdated past the grace period, an entry whose message is not stored yet
  // is an orphan to the next sweep (every 50 ms here), which would drop it.
  await collection.insertOne(orphan);
  await outbox().insertMany([entry(neverStored), malformed, entry(orphan)]);
  assert.deepEqual(
    (await readMsgNew(1)).map((e) => e.message_id),
    [orphan.message_id],
  );
  await outboxEmptied();
  // A marker through the same path: had the entry without a stored message been published, it
  // would be in the stream before the marker, and read first.
  const marker = await call(
    h,
    alice.id,
    'POST',
    `/api/v1/chats/${chat.id}/messages`,
    text('marker'),
  );
  assert.equal(marker.status, 201);
  assert.deepEqual(
    (await readMsgNew(1)).map((e) => e.message_id),
    [marker.data.message.message_id],
    'the entry without a stored message is dropped, not published',
  );
});

// Last: its messages would otherwise be the next ones the shared durable above reads.
test('stored copies of published events are deleted many at a time, not one per send', async () => {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id);
  await h.relay.flush();
  let deletes = 0;
  const countDeletes = (event: { commandName: string }) => {
    if (event.commandName === 'delete') deletes += 1;
  };
  h.mongo.on('commandStarted', countDeletes);
  try {
    const sends = 40;
    for (let i = 0; i < sends; i++) {
      const res = await call(
        h,
        alice.id,
        'POST',
        `/api/v1/chats/${chat.id}/messages`,
        text(`m${i}`),
      );
      assert.equal(res.status, 201);
    }
    await outboxEmptied();
    assert.ok(deletes >= 1, 'the stored copies were deleted');
    assert.ok(deletes <= sends / 4, `${deletes} deletes for ${sends} sends`);
  } finally {
    h.mongo.off('commandStarted', countDeletes);
  }
});

const outbox = () => h.mongo.db().collection('message_event_outbox');

/** Waits until the relay has deleted every outbox entry it published. */
async function outboxEmptied(): Promise<void> {
  await eventually(async () => assert.equal(await outbox().countDocuments({}), 0), {
    timeoutMs: 5_000,
    intervalMs: 100,
  });
}
