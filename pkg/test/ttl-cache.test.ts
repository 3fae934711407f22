import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTtlCache } from '@wa/pkg/cache';

const clockAt = (start = 1_000) => {
  const clock = { now: start };
  return { clock, now: () => clock.now };
};

test('evicts the least recently used entry past maxEntries', () => {
  const cache = createTtlCache<string, number>({ maxEntries: 2, ttlMs: 60_000 });
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.get('a'), 1); // a is now the most recent
  cache.set('c', 3);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  assert.equal(cache.size, 2);
});

test('a cache of size 0 stores nothing', () => {
  const cache = createTtlCache<string, number>({ maxEntries: 0, ttlMs: 60_000 });
  cache.set('a', 1);
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 0);
});

test('an entry expires after the TTL, or sooner when ttlFor says so', () => {
  const { clock, now } = clockAt();
  const cache = createTtlCache<string, { life: number }>({
    maxEntries: 10,
    ttlMs: 1_000,
    ttlFor: (value) => value.life,
    now,
  });
  cache.set('long', { life: 5_000 });
  cache.set('short', { life: 100 });
  cache.set('dead', { life: 0 });
  assert.equal(cache.get('dead'), undefined);
  clock.now += 99;
  assert.deepEqual(cache.get('short'), { life: 100 });
  clock.now += 1;
  assert.equal(cache.get('short'), undefined);
  clock.now += 899;
  assert.deepEqual(cache.get('long'), { life: 5_000 });
  clock.now += 1;
  assert.equal(cache.get('long'), undefined, 'the TTL caps a longer ttlFor');
  assert.equal(cache.size, 0, 'expired entries are dropped when met');
});

test('concurrent loads of one key share one call, and the answer is cached', async () => {
  const cache = createTtlCache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
  let calls = 0;
  const load = async (key: string) => {
    calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return key.toUpperCase();
  };
  const answers = await Promise.all([cache.getOrLoad('a', load), cache.getOrLoad('a', load)]);
  assert.deepEqual(answers, ['A', 'A']);
  assert.equal(await cache.getOrLoad('a', load), 'A');
  assert.equal(calls, 1);
});

test('a failed load is not remembered', async () => {
  const cache = createTtlCache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
  let calls = 0;
  const failing = async () => {
    calls += 1;
    throw new Error('down');
  };
  await assert.rejects(cache.getOrLoad('a', failing), /down/);
  await assert.rejects(cache.getOrLoad('a', failing), /down/);
  assert.equal(calls, 2);
  assert.equal(await cache.getOrLoad('a', async () => 'up'), 'up');
});

test('delete drops an entry, and a load in flight when it ran is not stored', async () => {
  const cache = createTtlCache<string, number>({ maxEntries: 10, ttlMs: 60_000 });
  cache.set('a', 1);
  cache.delete('a');
  assert.equal(cache.get('a'), undefined);

  let release = (_value: number) => {};
  const stale = cache.getOrLoad('a', () => new Promise<number>((resolve) => (release = resolve)));
  cache.delete('a'); // the membership changed while the old answer was on its way
  const fresh = cache.getOrLoad('a', async () => 2);
  release(1);
  assert.equal(await stale, 1, 'the caller that asked first still gets an answer');
  assert.equal(await fresh, 2);
  assert.equal(cache.get('a'), 2, 'the stale answer never overwrote the fresh one');
});
