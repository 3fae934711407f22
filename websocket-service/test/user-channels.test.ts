import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRedis, waitForRedis, type Redis } from '@wa/pkg/db';
import { eventually, testLogger, testStores } from '@wa/pkg/testing';
import { createUserChannels } from '../src/repository/user-channels.ts';

const log = testLogger('user-channels');
let redis: Redis;
let subscriber: Redis;

before(async () => {
  redis = createRedis({ url: testStores.redisUrl, log });
  subscriber = createRedis({ url: testStores.redisUrl, log });
  await Promise.all([waitForRedis(redis), waitForRedis(subscriber)]);
});
after(() => {
  redis.disconnect();
  subscriber.disconnect();
});

function channelsOver(commands: Redis, frames: [string, string][] = []) {
  return createUserChannels({
    redis: commands,
    subscriber,
    log,
    onFrame: (userId, frame) => frames.push([userId, frame.toString()]),
    onChatInvalidated: () => {},
    heldUserIds: () => [],
    onResubscribed: () => {},
  });
}

test('a frame published to several users reaches the channel of each', async () => {
  const frames: [string, string][] = [];
  const channels = channelsOver(redis, frames);
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  await Promise.all([a, b, c].map((userId) => channels.subscribe(userId)));
  try {
    // Publishes of one turn share the client's pipeline; each still settles on its own replies.
    await Promise.all([channels.publish([a, b], 'one'), channels.publish([c], 'two')]);
    await eventually(() => assert.equal(frames.length, 3));
    assert.deepEqual(
      frames.sort(),
      [
        [a, 'one'],
        [b, 'one'],
        [c, 'two'],
      ].sort(),
    );
  } finally {
    await Promise.all([a, b, c].map((userId) => channels.unsubscribe(userId)));
  }
});

test('a publish rejects when Redis cannot take it, so the event is redelivered', async () => {
  const dead = createRedis({ url: 'redis://127.0.0.1:1', log });
  try {
    await assert.rejects(channelsOver(dead).publish([randomUUID()], 'lost'));
  } finally {
    dead.disconnect();
  }
});

test('a publish to nobody resolves at once', async () => {
  const dead = createRedis({ url: 'redis://127.0.0.1:1', log });
  try {
    await channelsOver(dead).publish([], 'nobody');
  } finally {
    dead.disconnect();
  }
});
