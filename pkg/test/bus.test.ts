import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AckPolicy, RetentionPolicy } from '@nats-io/jetstream';
import {
  STREAMS,
  connectNats,
  ensureStreams,
  jetstream,
  jetstreamManager,
  type NatsConnection,
} from '@wa/pkg/bus';
import { testLogger, testStores } from '@wa/pkg/testing';

let nc: NatsConnection;

before(async () => {
  nc = await connectNats({ url: testStores.natsUrl, name: 'bus-test', log: testLogger() });
});
after(async () => {
  await nc.close();
});

test('provisioning is idempotent and follows addenda C', async () => {
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  const again = await ensureStreams(jsm);
  assert.deepEqual(
    Object.values(again),
    STREAMS.map(() => 'unchanged'),
  );
  assert.equal((await jsm.streams.info('USERS')).config.retention, RetentionPolicy.Limits);
  const messages = (await jsm.streams.info('MESSAGES')).config;
  assert.equal(messages.retention, RetentionPolicy.Interest);
  const chats = (await jsm.streams.info('CHATS')).config;
  assert.deepEqual([...chats.subjects].sort(), ['chat.>', 'group.>']);
  assert.equal(chats.retention, RetentionPolicy.Interest);
  assert.equal(
    (await jsm.streams.info('NOTIFICATIONS')).config.retention,
    RetentionPolicy.Workqueue,
  );
  assert.equal(STREAMS.length, 6);
  assert.equal((await jsm.streams.info('DLQ')).config.retention, RetentionPolicy.Limits);
});

test('an event published on msg.* reaches a durable consumer of MESSAGES', async () => {
  const jsm = await jetstreamManager(nc);
  const subject = `msg.test.${randomUUID()}`;
  const durable = `test-${randomUUID()}`;
  await jsm.consumers.add('MESSAGES', {
    durable_name: durable,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
  });
  try {
    const js = jetstream(nc);
    const event = { event_id: randomUUID(), message_id: randomUUID() };
    const ack = await js.publish(subject, JSON.stringify(event));
    assert.equal(ack.stream, 'MESSAGES');
    const consumer = await js.consumers.get('MESSAGES', durable);
    const message = await consumer.next({ expires: 5_000 });
    assert.ok(message, 'no message delivered');
    assert.deepEqual(message.json(), event);
    message.ack();
  } finally {
    await jsm.consumers.delete('MESSAGES', durable);
  }
});
