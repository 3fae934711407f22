import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCallGroup } from '../src/service/call-group.ts';

test('a lone item is called at once; items arriving meanwhile share the next call, as many as take allows', async () => {
  const calls: number[][] = [];
  const group = createCallGroup<number>({
    take: (waiting) => Math.min(waiting.length, 2),
    async call(items) {
      calls.push(items);
      await sleep(20);
      return items.map((item) => (item === 3 ? new Error('three refused') : undefined));
    },
  });
  const first = group(1);
  assert.deepEqual(calls, [[1]], 'no wait when no call is in flight');
  const rest = [group(2), group(3), group(4)];
  const outcomes = await Promise.allSettled([first, ...rest]);
  assert.deepEqual(calls, [[1], [2, 3], [4]]);
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
});

test('each item settles with its own answer from the call it shared', async () => {
  const group = createCallGroup<number, string>({
    take: (waiting) => waiting.length,
    async call(items) {
      await sleep(5);
      return items.map((item) => (item < 0 ? new Error(`${item} refused`) : `answer ${item}`));
    },
  });
  const outcomes = await Promise.allSettled([group(1), group(-2), group(3)]);
  assert.deepEqual(
    outcomes.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message,
    ),
    ['answer 1', '-2 refused', 'answer 3'],
  );
});

test('a failed call fails every item it carried, and the next items still get their call', async () => {
  let fail = true;
  const group = createCallGroup<string>({
    take: (waiting) => waiting.length,
    async call(items) {
      await sleep(5);
      if (fail) throw new Error('unavailable');
      return items.map(() => undefined);
    },
  });
  const carried = [group('a'), group('b')];
  await assert.rejects(carried[0], /unavailable/);
  await assert.rejects(carried[1], /unavailable/);
  fail = false;
  await group('c');
});

test('with a linger, a lone item waits for company: items arriving within it share the first call', async () => {
  const calls: string[][] = [];
  const group = createCallGroup<string>({
    take: (waiting) => waiting.length,
    lingerMs: 40,
    async call(items) {
      calls.push(items);
      return items.map(() => undefined);
    },
  });
  const first = group('a');
  await sleep(5);
  assert.deepEqual(calls, [], 'still lingering');
  await Promise.all([first, group('b')]);
  assert.deepEqual(calls, [['a', 'b']]);
});
