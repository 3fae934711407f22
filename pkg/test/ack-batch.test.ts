import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connectNats,
  consumeEvents,
  ensureStreams,
  eventMeta,
  jetstream,
  jetstreamManager,
  publishEvent,
  type NatsConnection,
} from '@wa/pkg/bus';
import { eventually, startNatsServer, testLogger, type TestNatsServer } from '@wa/pkg/testing';

const log = testLogger();
let server: TestNatsServer;
let nc: NatsConnection;

before(async () => {
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'ack-batch-test', log });
  await ensureStreams(await jetstreamManager(nc));
});
after(async () => {
  await nc.close();
  await server.destroy();
});

const msgNew = () => ({
  ...eventMeta(),
  message_id: randomUUID(),
  chat_id: randomUUID(),
  sender_id: randomUUID(),
  type: 'text' as const,
  payload: { body: 'hello' },
  recipient_ids: [randomUUID()],
});

async function ackPending(durable: string): Promise<number> {
  return (await (await jetstreamManager(nc)).consumers.info('MESSAGES', durable)).num_ack_pending;
}

test('with ackDelayMs, handled events are acked together once the delay is over', async () => {
  const durable = `test-${randomUUID()}`;
  let handled = 0;
  const consumer = await consumeEvents({
    nc,
    log,
    durable,
    subjects: ['msg.new'],
    concurrency: 8,
    ackDelayMs: 1_000,
    handle: async () => void (handled += 1),
  });
  try {
    for (let i = 0; i < 3; i++) await publishEvent(jetstream(nc), 'msg.new', msgNew());
    await eventually(() => assert.equal(handled, 3));
    await sleep(100);
    assert.equal(await ackPending(durable), 3, 'handled, not yet acked');
    await eventually(async () => assert.equal(await ackPending(durable), 0), {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
  } finally {
    await consumer.stop();
  }
});

test('stopping sends the acks still waiting, so nothing is delivered again', async () => {
  const durable = `test-${randomUUID()}`;
  let handled = 0;
  const consumer = await consumeEvents({
    nc,
    log,
    durable,
    subjects: ['msg.new'],
    ackDelayMs: 60_000,
    handle: async () => void (handled += 1),
  });
  await publishEvent(jetstream(nc), 'msg.new', msgNew());
  await eventually(() => assert.equal(handled, 1));
  await consumer.stop();
  await nc.flush();
  assert.equal(await ackPending(durable), 0);
});
