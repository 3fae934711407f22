import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '@wa/pkg/db';
import { testLogger } from '@wa/pkg/testing';
import { createUserChannels, userChannel } from '../src/repository/user-channels.ts';

/**
 * A Redis that records each write: a pipeline's commands, or a lone PUBLISH as a pipeline of one;
 * a channel named in `refused` fails.
 */
function fakeRedis(refused = new Set<string>()) {
  const pipelines: [string, string][][] = [];
  const redis = {
    async publish(channel: string, message: string) {
      pipelines.push([[channel, message]]);
      if (refused.has(channel)) throw new Error('refused');
      return 1;
    },
    pipeline() {
      const commands: [string, string][] = [];
      const pipeline = {
        publish(channel: string, message: string) {
          commands.push([channel, message]);
          return pipeline;
        },
        async exec() {
          pipelines.push(commands);
          return commands.map(([channel]) =>
            refused.has(channel) ? [new Error('refused'), null] : [null, 1],
          );
        },
      };
      return pipeline;
    },
  };
  return { pipelines, redis: redis as unknown as Redis };
}

function channelsOver(redis: Redis) {
  const subscriber = Object.assign(new EventEmitter(), { status: 'ready' });
  return createUserChannels({
    redis,
    subscriber: subscriber as unknown as Redis,
    log: testLogger('user-channels'),
    onFrame: () => {},
    onChatInvalidated: () => {},
    heldUserIds: () => [],
    onResubscribed: () => {},
  });
}

test('publishes asked for in one turn of the event loop go to Redis as one pipeline', async () => {
  const { pipelines, redis } = fakeRedis();
  const channels = channelsOver(redis);
  await Promise.all([
    channels.publish(['a'], 'one'),
    channels.publish(['b', 'c'], 'two'),
    Promise.resolve().then(() => channels.publish(['d'], 'three')),
  ]);
  assert.deepEqual(pipelines, [
    [
      [userChannel('a'), 'one'],
      [userChannel('b'), 'two'],
      [userChannel('c'), 'two'],
      [userChannel('d'), 'three'],
    ],
  ]);
  await channels.publish(['e'], 'later');
  assert.deepEqual(pipelines[1], [[userChannel('e'), 'later']], 'a later turn writes on its own');
});

test('a publish fails only when one of its own channels was refused', async () => {
  const { redis } = fakeRedis(new Set([userChannel('c')]));
  const channels = channelsOver(redis);
  const results = await Promise.allSettled([
    channels.publish(['a'], 'one'),
    channels.publish(['b', 'c'], 'two'),
    channels.publish(['d'], 'three'),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
});

test('a pipeline Redis did not take fails every publish in it', async () => {
  const redis = {
    publish: async () => {
      throw new Error('Connection is closed.');
    },
    pipeline: () => ({
      publish() {},
      exec: async () => {
        await sleep(1);
        throw new Error('Connection is closed.');
      },
    }),
  } as unknown as Redis;
  const channels = channelsOver(redis);
  const results = await Promise.allSettled([
    channels.publish(['a'], 'one'),
    channels.publish(['b'], 'two'),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
});

test('a publish alone in its turn settles with its PUBLISH', async () => {
  const { redis } = fakeRedis(new Set([userChannel('b')]));
  const channels = channelsOver(redis);
  await channels.publish(['a'], 'one');
  await assert.rejects(channels.publish(['b'], 'two'), /refused/);
});
