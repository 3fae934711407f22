import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AckPolicy } from '@nats-io/jetstream';
import { ensureStreams, jetstream, jetstreamManager } from '@wa/pkg/bus';
import { eventually, startNatsServer, type TestNatsServer } from '@wa/pkg/testing';
import type { OutboxStore } from '@wa/pkg/bus';
import { newMessageDoc } from '../src/model/message.ts';
import { msgNewEvent } from '../src/service/outbox-events.ts';
import { call, startMessageApp, text, type MessageHarness } from './helpers.ts';

let nats: TestNatsServer;
let h: MessageHarness;

/** Counts the calls the relay makes to one method of the store's outbox (the same object it holds). */
function countCalls(method: 'remove' | 'recordFailure') {
  const outbox: OutboxStore = h.store.outbox;
  const original = outbox[method].bind(outbox) as (...args: unknown[]) => Promise<void>;
  const counter = { calls: 0, restore: () => void (outbox[method] = original) };
  outbox[method] = (...args: unknown[]) => {
    counter.calls += 1;
    return original(...args);
  };
  return counter;
}

before(async () => {
  nats = await startNatsServer();
  // Its own database: no other test's relay may publish (or miss) these messages.
  // A sweep that takes what another instance left after 1 s (not the default 30 s; still well
  // past the relay's 200 ms wait before it deletes what it published).
  h = await startMessageApp({ natsUrl: nats.url, outbox: { sweepGraceMs: 1_000 } });
  await ensureStreams(await jetstreamManager(h.nc));
});
after(async () => {
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
  const failures = countCalls('recordFailure');
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
  await eventually(async () => assert.ok(failures.calls >= 1), {
    timeoutMs: 15_000,
    intervalMs: 100,
  });
  failures.restore();
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
  // What an instance that stopped after storing a message, before publishing it, leaves behind.
  const orphan = newMessageDoc(
    chat.id,
    [bob.id],
    { sender_id: alice.id, client_msg_id: randomUUID(), type: 'text', payload: { body: 'left' } },
    new Date(),
  );
  assert.equal(await h.store.insert(orphan, msgNewEvent(orphan)), 'inserted');
  assert.deepEqual(
    (await readMsgNew(1)).map((e) => e.message_id),
    [orphan.message_id],
  );
  await outboxEmptied();
  // A marker through the same path: had the orphan been published twice, its copy would be in
  // the stream before the marker, and read first.
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
    'the orphan is published once',
  );
});

// Last: its messages would otherwise be the next ones the shared durable above reads.
test('stored copies of published events are deleted many at a time, not one per send', async () => {
  const [alice, bob] = h.makeUsers(2);
  const chat = h.makeDirectChat(alice.id, bob.id);
  await h.relay.flush();
  const deletes = countCalls('remove');
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
    assert.ok(deletes.calls >= 1, 'the stored copies were deleted');
    assert.ok(deletes.calls <= sends / 4, `${deletes.calls} deletes for ${sends} sends`);
  } finally {
    deletes.restore();
  }
});

/** Waits until the relay has deleted every outbox entry it published. */
async function outboxEmptied(): Promise<void> {
  await eventually(async () => assert.deepEqual(await h.store.outbox.pending(0, 1_000), []), {
    timeoutMs: 5_000,
    intervalMs: 100,
  });
}
