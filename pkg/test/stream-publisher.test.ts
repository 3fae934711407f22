import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { JetStreamApiError } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import {
  connectNats,
  createStreamPublisher,
  jetstreamManager,
  type NatsConnection,
  type StreamPublisher,
} from '@wa/pkg/bus';
import { testLogger, testStores } from '@wa/pkg/testing';

/* The lean JetStream publisher against the test NATS, on a stream of this file's own. */

const suffix = randomUUID().slice(0, 8);
const STREAM = `PUBTEST_${suffix}`;
const subject = (name: string) => `pubtest.${suffix}.${name}`;
let nc: NatsConnection;
let publisher: StreamPublisher;

before(async () => {
  nc = await connectNats({
    url: testStores.natsUrl,
    name: 'stream-publisher-test',
    log: testLogger(),
  });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: [`pubtest.${suffix}.>`] });
  publisher = createStreamPublisher(nc);
});

after(async () => {
  publisher.close();
  await (await jetstreamManager(nc)).streams.delete(STREAM);
  await nc.close();
});

const publish = (name: string, payload: string, msgID = randomUUID(), timeout = 2_000) =>
  publisher.publish(subject(name), payload, { msgID, timeout });

test('a publish is stored and acknowledged with its stream and sequence, its id as Nats-Msg-Id', async () => {
  const msgID = randomUUID();
  const ack = await publish('one', '{"hello":1}', msgID);
  assert.equal(ack.stream, STREAM);
  assert.equal(ack.duplicate, false);
  const stored = await (await jetstreamManager(nc)).streams.getMessage(STREAM, { seq: ack.seq });
  assert.ok(stored);
  assert.equal(stored.subject, subject('one'));
  assert.equal(stored.string(), '{"hello":1}');
  assert.equal(stored.header.get('Nats-Msg-Id'), msgID);
});

test('the same id again is acknowledged as a duplicate of the stored copy, not stored twice', async () => {
  const msgID = randomUUID();
  const first = await publish('dup', 'a', msgID);
  const again = await publish('dup', 'a', msgID);
  assert.equal(again.duplicate, true);
  assert.equal(again.seq, first.seq);
  const info = await (await jetstreamManager(nc)).streams.info(STREAM);
  assert.equal(info.state.last_seq, first.seq);
});

test('publishes in flight together are each acknowledged, in the order they were made', async () => {
  const acks = await Promise.all(Array.from({ length: 300 }, (_, i) => publish('many', String(i))));
  const seqs = acks.map((ack) => ack.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  );
  assert.equal(new Set(seqs).size, 300);
});

test('a subject no stream stores is refused at once (no responders), not after the timeout', async () => {
  const started = Date.now();
  await assert.rejects(
    publisher.publish(`nostream.${suffix}`, 'x', { msgID: randomUUID(), timeout: 10_000 }),
    /no JetStream stream stores this subject/,
  );
  assert.ok(Date.now() - started < 5_000);
});

test('a subject whose listener never answers is refused once its timeout is over', async () => {
  const silent = nc.subscribe(`silent.${suffix}`);
  try {
    await assert.rejects(
      publisher.publish(`silent.${suffix}`, 'x', { msgID: randomUUID(), timeout: 300 }),
      /did not acknowledge the publish in time/,
    );
  } finally {
    silent.unsubscribe();
  }
});

test("the stream's refusal comes back as a JetStreamApiError with its code", async () => {
  const expect = headers();
  expect.set('Nats-Expected-Stream', 'SOME_OTHER_STREAM');
  const refused = await publisher
    .publish(subject('expect'), 'x', { msgID: randomUUID(), timeout: 2_000, headers: expect })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  assert.ok(refused instanceof JetStreamApiError, String(refused));
  assert.equal(refused.code, 10060);
});

test('a closed publisher refuses new publishes', async () => {
  const other = createStreamPublisher(nc);
  other.close();
  await assert.rejects(
    other.publish(subject('closed'), 'x', { msgID: randomUUID(), timeout: 1_000 }),
    /closed/,
  );
});
