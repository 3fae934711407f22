import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  chatStamp,
  createStampReader,
  createStampWriter,
  createStampedCache,
  userStamp,
} from '@wa/pkg/cache';
import { connectRedis, waitForRedis, type Redis } from '@wa/pkg/db';
import { eventually, startRedisServer, testLogger, testStores, using } from '@wa/pkg/testing';

/* Stamps against a real Redis: the shared test server, or a private one where Redis must go away. */

const log = testLogger('freshness');
let redis: Redis;

before(async () => {
  redis = await connectRedis(testStores.redisUrl, log);
});
after(async () => {
  await redis?.quit();
});

/** A stamped cache over a counting source whose answer the test changes. */
function source<V>(initial: V) {
  const state = { value: initial, loads: 0 };
  const load = async () => {
    state.loads++;
    return state.value;
  };
  return { state, load };
}

test('an entry is served while its stamp is unchanged and reloaded once the owner renews it', async () => {
  const reader = createStampReader(redis, log);
  const writer = createStampWriter(redis);
  const cache = createStampedCache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
  const chat = chatStamp(randomUUID());
  const { state, load } = source('member');
  const ask = async () => cache.getOrLoad('k', (await reader.read([chat]))![0], load);

  assert.equal(await ask(), 'member');
  assert.equal(await ask(), 'member');
  assert.equal(state.loads, 1, 'the second answer came from the cache');

  state.value = 'removed';
  await writer.renew([chat]);
  assert.equal(await ask(), 'removed', 'the first request after the renewal sees the change');
  assert.equal(await ask(), 'removed');
  assert.equal(state.loads, 2);
});

test('a missing stamp is created once, and a vanished one never matches what was cached before', async () => {
  const reader = createStampReader(redis, log);
  const [chat, user] = [chatStamp(randomUUID()), userStamp(randomUUID())];
  const first = (await reader.read([chat, user]))!;
  assert.deepEqual(await reader.read([chat, user]), first, 'created stamps are stable');
  assert.ok((await redis.ttl(chat)) > 0, 'a stamp expires when left untouched');

  await redis.del(chat); // as FLUSHALL, eviction or expiry would
  const again = (await reader.read([chat, user]))!;
  assert.notEqual(again[0], first[0]);
  assert.equal(again[1], first[1]);
});

test('readers racing to create a stamp agree on one token', async () => {
  const readers = Array.from({ length: 5 }, () => createStampReader(redis, log));
  const chat = chatStamp(randomUUID());
  const tokens = await Promise.all(readers.map(async (reader) => (await reader.read([chat]))![0]));
  assert.equal(new Set(tokens).size, 1, tokens.join(', '));
});

test('loads under one stamp are shared; a load under an older stamp is not kept', async () => {
  const cache = createStampedCache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
  const releases: ((value: string) => void)[] = [];
  let loads = 0;
  const load = () =>
    new Promise<string>((resolve) => {
      loads++;
      releases.push(resolve);
    });

  const a = cache.getOrLoad('k', 's1', load);
  const b = cache.getOrLoad('k', 's1', load);
  const c = cache.getOrLoad('k', 's2', load);
  assert.equal(loads, 2, 's1 shares one load, s2 has its own');
  releases[1]('new');
  releases[0]('old');
  assert.deepEqual(await Promise.all([a, b, c]), ['old', 'old', 'new']);
  assert.equal(await cache.getOrLoad('k', 's2', load), 'new');
  assert.equal(loads, 2, 'the s2 answer was kept');
  assert.equal(cache.peek('k'), 'new');
});

test('while Redis is unreachable nothing cached is trusted and nothing is stored; renewals fail', async (t) => {
  const server = using(t, await startRedisServer(), (s) => s.stop());
  const own = using(t, await connectRedis(server.url, log), (client) => client.disconnect());
  const reader = createStampReader(own, log);
  const writer = createStampWriter(own);
  const cache = createStampedCache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
  const chat = chatStamp(randomUUID());
  const { state, load } = source('member');
  const ask = async () => cache.getOrLoad('k', (await reader.read([chat]))?.[0], load);

  assert.equal(await ask(), 'member');
  const before = (await reader.read([chat]))![0];
  await server.stop();
  assert.equal(await reader.read([chat]), undefined);
  await assert.rejects(writer.renew([chat]));
  state.value = 'removed';
  assert.equal(await ask(), 'removed', 'asked the source, not the cache');
  assert.equal(await ask(), 'removed');
  assert.equal(state.loads, 3, 'each request asked the source');

  // An empty Redis after a restart: every token differs from what was cached before it.
  await server.start();
  await eventually(() => waitForRedis(own, 1_000), { timeoutMs: 15_000 });
  const after = (await reader.read([chat]))![0];
  assert.notEqual(after, before);
  assert.equal(await ask(), 'removed');
});

test('a token a restarted Redis brings back is not trusted across the reconnection', async (t) => {
  const server = using(t, await startRedisServer(), (s) => s.stop());
  const own = using(t, await connectRedis(server.url, log), (client) => client.disconnect());
  const reader = createStampReader(own, log);
  const chat = chatStamp(randomUUID());
  const token = (await reader.read([chat]))![0];
  const raw = await own.get(chat);

  await server.stop();
  await server.start();
  await eventually(() => waitForRedis(own, 1_000), { timeoutMs: 15_000 });
  await own.set(chat, raw!, 'EX', 60); // the old token, as a restore from a snapshot would have it
  assert.notEqual((await reader.read([chat]))![0], token);
});

test('reads asked for in one turn share one MGET, each answered its own stamps in order', async () => {
  let mgets = 0;
  const counting = new Proxy(redis, {
    get(target, property, receiver) {
      if (property === 'mget') mgets++;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? ((value as (...args: unknown[]) => unknown).bind(target) as unknown)
        : value;
    },
  });
  const reader = createStampReader(counting, log);
  const [a, b, c] = [chatStamp(randomUUID()), userStamp(randomUUID()), chatStamp(randomUUID())];
  const alone = {
    a: (await reader.read([a]))![0],
    b: (await reader.read([b]))![0],
    c: (await reader.read([c]))![0],
  };
  mgets = 0;
  const together = await Promise.all([
    reader.read([a, b]),
    reader.read([c]),
    reader.read([b, a, c]),
  ]);
  assert.equal(mgets, 1);
  assert.deepEqual(together, [[alone.a, alone.b], [alone.c], [alone.b, alone.a, alone.c]]);

  // A renewal acknowledged before a read is asked for is seen by it, shared MGET or not.
  await createStampWriter(redis).renew([c]);
  const [afterRenewal] = await Promise.all([reader.read([c]), reader.read([a])]);
  assert.notEqual(afterRenewal![0], alone.c);
});
