import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceUnavailable } from '@wa/pkg/errors';
import { createDeliveryAcks, nextCall } from '../src/service/delivery-acks.ts';

const frame = (...ids: string[]) => ({ ids });

test('a call takes whole frames, oldest first, while their distinct ids fit', () => {
  const waiting = [frame('a', 'b'), frame('b', 'c'), frame('d', 'e'), frame('f')];
  assert.deepEqual(nextCall(waiting, 4), {
    frames: waiting.slice(0, 2),
    ids: ['a', 'b', 'c'],
  });
  assert.deepEqual(nextCall(waiting, 5).ids, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(
    nextCall([frame('a', 'b', 'c')], 2).ids,
    ['a', 'b', 'c'],
    'a first frame always goes',
  );
  assert.deepEqual(nextCall([]), { frames: [], ids: [] });
});

/** A message remote whose calls are answered by the test, one at a time. */
function heldRemote() {
  const calls: { userId: string; ids: readonly string[] }[] = [];
  const answers: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  const messages = {
    delivered: (userId: string, ids: readonly string[]) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ userId, ids });
        answers.push({ resolve, reject });
      }),
  };
  return { calls, answers, messages };
}

test('a lone ack is called at once; acks arriving meanwhile share the next call', async () => {
  const remote = heldRemote();
  const acks = createDeliveryAcks(remote);
  const first = acks.delivered('u1', ['m1']);
  assert.deepEqual(remote.calls, [{ userId: 'u1', ids: ['m1'] }], 'no wait for the first');
  const rest = [acks.delivered('u1', ['m2']), acks.delivered('u1', ['m3', 'm2'])];
  await sleep(5);
  assert.equal(remote.calls.length, 1, 'the others wait for the call in flight');
  remote.answers[0].resolve();
  await first;
  await sleep(1);
  assert.deepEqual(remote.calls[1], { userId: 'u1', ids: ['m2', 'm3'] });
  remote.answers[1].resolve();
  await Promise.all(rest);
  assert.equal(remote.calls.length, 2);
});

test('users do not wait for each other', () => {
  const remote = heldRemote();
  const acks = createDeliveryAcks(remote);
  void acks.delivered('u1', ['m1']);
  void acks.delivered('u2', ['m2']);
  assert.deepEqual(
    remote.calls.map((call) => call.userId),
    ['u1', 'u2'],
  );
});

test('a failed call fails every frame it carried with its error; later frames go on', async () => {
  const remote = heldRemote();
  const acks = createDeliveryAcks(remote);
  const first = acks.delivered('u1', ['m1']);
  const second = acks.delivered('u1', ['m2']);
  const third = acks.delivered('u1', ['m3']);
  const outage = serviceUnavailable('message-service unavailable');
  remote.answers[0].resolve();
  await first;
  await sleep(1);
  remote.answers[1].reject(outage);
  await assert.rejects(second, (error) => error === outage);
  await assert.rejects(third, (error) => error === outage);
  const fourth = acks.delivered('u1', ['m4']);
  assert.deepEqual(remote.calls.at(-1), { userId: 'u1', ids: ['m4'] });
  remote.answers.at(-1)!.resolve();
  await fourth;
});
