import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConcurrencyLimit } from '../src/repository/mongo/concurrency-limit.ts';

test('never more than max tasks at a time; the others run in arrival order, failures included', async () => {
  const limited = createConcurrencyLimit(2);
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  const outcomes = await Promise.allSettled(
    Array.from({ length: 7 }, (_, i) =>
      limited(async () => {
        started.push(i);
        inFlight += 1;
        most = Math.max(most, inFlight);
        await sleep(5);
        inFlight -= 1;
        if (i === 3) throw new Error('three failed');
        return i;
      }),
    ),
  );
  assert.equal(most, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.equal(await limited(async () => 'free again'), 'free again');
});

test('max must be a positive integer', () => {
  assert.throws(() => createConcurrencyLimit(0), /positive integer/);
});
