import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWriteBatch } from '@wa/pkg/db';

function recorder() {
  const calls: number[][] = [];
  const write = createWriteBatch(async (items: number[]) => {
    calls.push(items);
    await sleep(5);
    return items.map((item) => item * 2);
  });
  return { calls, write };
}

test('a lone write goes at once; writes arriving meanwhile go together next', async () => {
  const { calls, write } = recorder();
  const first = write(1);
  await sleep(1);
  const rest = [write(2), write(3)];
  assert.deepEqual(await Promise.all([first, ...rest]), [2, 4, 6]);
  assert.deepEqual(calls, [[1], [2, 3]]);
});

test('with lingerMs, writes arriving within the linger go in one call, after the wait', async () => {
  const calls: number[][] = [];
  const write = createWriteBatch(
    async (items: number[]) => {
      calls.push(items);
      return items;
    },
    { lingerMs: 30 },
  );
  const began = performance.now();
  const first = write(1);
  await sleep(5);
  const second = write(2);
  assert.equal(calls.length, 0, 'nothing written before the linger is over');
  assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  assert.ok(performance.now() - began >= 25);
  assert.deepEqual(calls, [[1, 2]]);
});

test('with lingerMs, a full batch is written without waiting', async () => {
  const calls: number[][] = [];
  const write = createWriteBatch(
    async (items: number[]) => {
      calls.push(items);
      return items;
    },
    { lingerMs: 10_000, maxBatch: 3 },
  );
  const began = performance.now();
  await Promise.all([write(1), write(2), write(3)]);
  assert.ok(performance.now() - began < 1_000);
  assert.deepEqual(calls, [[1, 2, 3]]);
});

test('a failed batch is written again item by item, so only the bad item fails', async () => {
  const write = createWriteBatch(
    async (items: number[]) => {
      if (items.includes(13)) throw new Error('refused');
      return items;
    },
    { lingerMs: 5 },
  );
  const results = await Promise.allSettled([write(1), write(13), write(3)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
});
