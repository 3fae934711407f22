import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, serviceUnavailable } from '@wa/pkg/errors';
import { MESSAGE_CALL_LIMITS } from '@wa/pkg/grpc';
import { CLIENT_EVENT_SCHEMAS } from '@wa/pkg/ws';
import type { DeliveryReceipt } from '../src/repository/message-remote.ts';
import { createDeliveryAcks, nextCall } from '../src/service/delivery-acks.ts';

const frame = (userId: string, ...ids: string[]) => ({ userId, ids });

test('a call takes whole frames, oldest first, one receipt per user with its distinct ids', () => {
  const waiting = [
    frame('u1', 'a', 'b'),
    frame('u2', 'a'),
    frame('u1', 'b', 'c'),
    frame('u2', 'd'),
  ];
  assert.deepEqual(nextCall(waiting).receipts, [
    { userId: 'u1', messageIds: ['a', 'b', 'c'] },
    { userId: 'u2', messageIds: ['a', 'd'] },
  ]);
  assert.equal(nextCall(waiting).frames.length, 4);
  assert.deepEqual(nextCall([]), { frames: [], receipts: [] });
});

test('a call stops at the first frame that would overfill its receipt or the call', () => {
  const waiting = [frame('u1', 'a', 'b'), frame('u2', 'c'), frame('u1', 'd'), frame('u2', 'e')];
  const perReceipt = nextCall(waiting, { perReceipt: 2, perCall: 10 });
  assert.deepEqual(
    perReceipt.frames,
    waiting.slice(0, 2),
    "u1's third id would overfill its receipt",
  );
  const perCall = nextCall(waiting, { perReceipt: 10, perCall: 4 });
  assert.deepEqual(perCall.frames, waiting.slice(0, 3));
  assert.deepEqual(
    nextCall([frame('u1', 'a', 'b', 'c')], { perReceipt: 2, perCall: 2 }).receipts,
    [{ userId: 'u1', messageIds: ['a', 'b', 'c'] }],
    'a first frame always goes',
  );
});

/** A message remote whose calls are answered by the test, one at a time. */
function heldRemote() {
  const calls: DeliveryReceipt[][] = [];
  const answers: {
    resolve: (refused: Map<string, string>) => void;
    reject: (e: unknown) => void;
  }[] = [];
  const messages = {
    deliveredMany: (receipts: readonly DeliveryReceipt[]) =>
      new Promise<Map<string, string>>((resolve, reject) => {
        calls.push([...receipts]);
        answers.push({ resolve, reject });
      }),
  };
  return { calls, answers, messages };
}

test('a lone ack is called at once; acks of any user arriving meanwhile share the next call', async () => {
  const remote = heldRemote();
  const acks = createDeliveryAcks(remote);
  const first = acks.delivered('u1', ['m1']);
  assert.deepEqual(remote.calls, [[{ userId: 'u1', messageIds: ['m1'] }]], 'no wait for the first');
  const rest = [
    acks.delivered('u2', ['m1']),
    acks.delivered('u1', ['m2']),
    acks.delivered('u3', ['m2', 'm3']),
  ];
  await sleep(5);
  assert.equal(remote.calls.length, 1, 'the others wait for the call in flight');
  remote.answers[0].resolve(new Map());
  await first;
  await sleep(1);
  assert.deepEqual(remote.calls[1], [
    { userId: 'u2', messageIds: ['m1'] },
    { userId: 'u1', messageIds: ['m2'] },
    { userId: 'u3', messageIds: ['m2', 'm3'] },
  ]);
  remote.answers[1].resolve(new Map());
  await Promise.all(rest);
  assert.equal(remote.calls.length, 2);
});

test("a refused receipt fails only its user's frames, with a validation error", async () => {
  const remote = heldRemote();
  const acks = createDeliveryAcks(remote);
  const first = acks.delivered('u0', ['m0']);
  const good = acks.delivered('u1', ['m1']);
  const bad = acks.delivered('u2', ['not-a-uuid']);
  remote.answers[0].resolve(new Map());
  await first;
  await sleep(1);
  remote.answers[1].resolve(new Map([['u2', 'message_id must be a UUID']]));
  await good;
  await assert.rejects(
    bad,
    (error) =>
      error instanceof AppError &&
      error.code === 'VALIDATION_ERROR' &&
      error.message === 'message_id must be a UUID',
  );
});

test('a failed call fails every frame it carried with its error; later frames go on', async () => {
  const remote = heldRemote();
  const acks = createDeliveryAcks(remote);
  const first = acks.delivered('u1', ['m1']);
  const second = acks.delivered('u1', ['m2']);
  const third = acks.delivered('u2', ['m3']);
  const outage = serviceUnavailable('message-service unavailable');
  remote.answers[0].resolve(new Map());
  await first;
  await sleep(1);
  remote.answers[1].reject(outage);
  await assert.rejects(second, (error) => error === outage);
  await assert.rejects(third, (error) => error === outage);
  const fourth = acks.delivered('u1', ['m4']);
  assert.deepEqual(remote.calls.at(-1), [{ userId: 'u1', messageIds: ['m4'] }]);
  remote.answers.at(-1)!.resolve(new Map());
  await fourth;
});

test('a message.delivered frame never holds more ids than one receipt of a call takes', () => {
  // So the oldest waiting frame always fits in the next call on its own.
  const schema = CLIENT_EVENT_SCHEMAS['message.delivered'].properties.message_ids;
  const { maxItems } = schema as { maxItems?: number };
  assert.ok(maxItems !== undefined && maxItems <= MESSAGE_CALL_LIMITS.idsPerReceipt);
  assert.ok(MESSAGE_CALL_LIMITS.idsPerReceipt <= MESSAGE_CALL_LIMITS.idsPerCall);
});
