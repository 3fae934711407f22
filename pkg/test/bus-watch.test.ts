import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  connectNats,
  ensureStreams,
  eventMeta,
  jetstream,
  jetstreamManager,
  publishEvent,
  watchEvents,
  type EventConsumer,
  type EventPayload,
  type NatsConnection,
} from '@wa/pkg/bus';
import { eventually, startNatsServer, testLogger, type TestNatsServer } from '@wa/pkg/testing';

let server: TestNatsServer;
let nc: NatsConnection;

before(async () => {
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'bus-watch-test', log: testLogger() });
  await ensureStreams(await jetstreamManager(nc));
});
after(async () => {
  await nc?.close();
  await server?.destroy();
});

const block = (): EventPayload<'user.blocked'> => ({
  ...eventMeta(),
  blocker_id: randomUUID(),
  blocked_id: randomUUID(),
});

/** Resolves once `check` holds (events arrive asynchronously). */
const until = (check: () => boolean, timeoutMs = 10_000) =>
  eventually(() => assert.ok(check(), 'timed out waiting'), { timeoutMs, intervalMs: 20 });

function watcher(seen: string[]): Promise<EventConsumer> {
  return watchEvents({
    nc,
    subjects: ['user.blocked', 'user.unblocked'],
    handle: (event) => seen.push(`${event.subject} ${event.payload.blocker_id}`),
    log: testLogger(),
  });
}

test('every watcher sees every event; an invalid payload is skipped, not fatal', async () => {
  const first: string[] = [];
  const second: string[] = [];
  const watchers = [await watcher(first), await watcher(second)];
  try {
    const js = jetstream(nc);
    await js.publish('user.blocked', JSON.stringify({ blocker_id: 'not-a-uuid' }));
    const a = block();
    const b = block();
    await publishEvent(js, 'user.blocked', a);
    await publishEvent(js, 'user.unblocked', b);
    const want = [`user.blocked ${a.blocker_id}`, `user.unblocked ${b.blocker_id}`];
    await until(() => first.length >= 2 && second.length >= 2);
    assert.deepEqual(first, want);
    assert.deepEqual(second, want);
  } finally {
    for (const w of watchers) await w.stop();
  }
});

test('a watcher that loses NATS gets the events published while it reconnected', async () => {
  const seen: string[] = [];
  const w = await watcher(seen);
  try {
    const before = block();
    await publishEvent(jetstream(nc), 'user.blocked', before);
    await until(() => seen.length === 1);
    await server.stop();
    await server.start();
    // Published by another connection, before this one is necessarily back.
    const other = await connectNats({ url: server.url, name: 'publisher', log: testLogger() });
    const during = block();
    await publishEvent(jetstream(other), 'user.blocked', during);
    await other.close();
    await until(() => seen.length === 2, 20_000);
    assert.deepEqual(seen, [
      `user.blocked ${before.blocker_id}`,
      `user.blocked ${during.blocker_id}`,
    ]);
  } finally {
    await w.stop();
  }
});

test('one watcher call follows subjects of several streams', async () => {
  const chatId = randomUUID();
  const blocked = block();
  const seen: string[] = [];
  const w = await watchEvents({
    nc,
    subjects: ['user.blocked', 'chat.updated'],
    handle: (event) => {
      if (event.subject === 'user.blocked' && event.payload.blocker_id === blocked.blocker_id)
        seen.push(event.subject);
      if (event.subject === 'chat.updated' && event.payload.chat_id === chatId)
        seen.push(event.subject);
    },
    log: testLogger(),
  });
  try {
    const js = jetstream(nc);
    await publishEvent(js, 'user.blocked', blocked);
    await publishEvent(js, 'chat.updated', {
      ...eventMeta(),
      chat_id: chatId,
      updated_by: randomUUID(),
      changes: { name: 'New' },
      participant_ids: [],
    });
    await until(() => seen.length === 2);
    assert.deepEqual([...seen].sort(), ['chat.updated', 'user.blocked']);
  } finally {
    await w.stop();
  }
});
