import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, serviceUnavailable } from '@wa/pkg/errors';
import { MESSAGE_CALL_LIMITS } from '@wa/pkg/grpc';
import { CLIENT_EVENT_SCHEMAS } from '@wa/pkg/ws';
import type { ChatRead, DeliveryReceipt } from '../src/repository/message-remote.ts';
import { createReceiptCalls, nextCall, type ReceiptFrame } from '../src/service/receipt-calls.ts';

const frame = (userId: string, ...ids: string[]): ReceiptFrame => ({
  kind: 'delivered',
  userId,
  ids,
});
const readFrame = (userId: string, chatId: string, upToMessageId: string): ReceiptFrame => ({
  kind: 'read',
  read: { userId, chatId, upToMessageId },
});
const LIMITS = { perReceipt: 500, perCall: 2_000, readsPerCall: 500 };

test('a call takes whole frames, oldest first, one receipt per user with its distinct ids', () => {
  const waiting = [
    frame('u1', 'a', 'b'),
    frame('u2', 'a'),
    frame('u1', 'b', 'c'),
    frame('u2', 'd'),
  ];
  assert.deepEqual(nextCall(waiting).delivered, [
    { userId: 'u1', messageIds: ['a', 'b', 'c'] },
    { userId: 'u2', messageIds: ['a', 'd'] },
  ]);
  assert.equal(nextCall(waiting).frames.length, 4);
  assert.deepEqual(nextCall([]), { frames: [], delivered: [], reads: [] });
});

test("a call carries reads with the acks, in their order, up to the call's reads", () => {
  const waiting = [
    frame('u1', 'a'),
    readFrame('u1', 'c1', 'a'),
    frame('u2', 'b'),
    readFrame('u2', 'c2', 'b'),
    readFrame('u3', 'c3', 'x'),
  ];
  const call = nextCall(waiting, { ...LIMITS, readsPerCall: 2 });
  assert.deepEqual(call.frames, waiting.slice(0, 4), 'the third read waits for the next call');
  assert.deepEqual(call.delivered, [
    { userId: 'u1', messageIds: ['a'] },
    { userId: 'u2', messageIds: ['b'] },
  ]);
  assert.deepEqual(
    call.reads.map((read) => read.chatId),
    ['c1', 'c2'],
  );
  assert.equal(
    nextCall([readFrame('u1', 'c1', 'a')], { ...LIMITS, readsPerCall: 0 }).reads.length,
    1,
    'a first frame always goes',
  );
});

test('a call stops at the first frame that would overfill its receipt or the call', () => {
  const waiting = [frame('u1', 'a', 'b'), frame('u2', 'c'), frame('u1', 'd'), frame('u2', 'e')];
  const perReceipt = nextCall(waiting, { ...LIMITS, perReceipt: 2, perCall: 10 });
  assert.deepEqual(
    perReceipt.frames,
    waiting.slice(0, 2),
    "u1's third id would overfill its receipt",
  );
  const perCall = nextCall(waiting, { ...LIMITS, perReceipt: 10, perCall: 4 });
  assert.deepEqual(perCall.frames, waiting.slice(0, 3));
  assert.deepEqual(
    nextCall([frame('u1', 'a', 'b', 'c')], { ...LIMITS, perReceipt: 2, perCall: 2 }).delivered,
    [{ userId: 'u1', messageIds: ['a', 'b', 'c'] }],
    'a first frame always goes',
  );
});

type Answer = { delivered: (AppError | undefined)[]; reads: (AppError | undefined)[] };

/** A message remote whose calls are answered by the test, one at a time. */
function heldRemote() {
  const calls: { delivered: DeliveryReceipt[]; reads: ChatRead[] }[] = [];
  const answers: { resolve: (answer: Answer) => void; reject: (e: unknown) => void }[] = [];
  const messages = {
    updateReceipts: (delivered: readonly DeliveryReceipt[], reads: readonly ChatRead[]) =>
      new Promise<Answer>((resolve, reject) => {
        calls.push({ delivered: [...delivered], reads: [...reads] });
        answers.push({ resolve, reject });
      }),
  };
  return { calls, answers, messages };
}

/** Every receipt and read of the call applied. */
const applied = (call: { delivered: unknown[]; reads: unknown[] }): Answer => ({
  delivered: call.delivered.map(() => undefined),
  reads: call.reads.map(() => undefined),
});

test('a lone receipt is called at once; acks and reads of any user arriving meanwhile share the next call', async () => {
  const remote = heldRemote();
  const receipts = createReceiptCalls(remote);
  const first = receipts.delivered('u1', ['m1']);
  assert.deepEqual(
    remote.calls,
    [{ delivered: [{ userId: 'u1', messageIds: ['m1'] }], reads: [] }],
    'no wait for the first',
  );
  const rest = [
    receipts.delivered('u2', ['m1']),
    receipts.read({ userId: 'u2', chatId: 'c1', upToMessageId: 'm1' }),
    receipts.delivered('u1', ['m2']),
    receipts.delivered('u3', ['m2', 'm3']),
  ];
  await sleep(5);
  assert.equal(remote.calls.length, 1, 'the others wait for the call in flight');
  remote.answers[0].resolve(applied(remote.calls[0]));
  await first;
  await sleep(1);
  assert.deepEqual(remote.calls[1], {
    delivered: [
      { userId: 'u2', messageIds: ['m1'] },
      { userId: 'u1', messageIds: ['m2'] },
      { userId: 'u3', messageIds: ['m2', 'm3'] },
    ],
    reads: [{ userId: 'u2', chatId: 'c1', upToMessageId: 'm1' }],
  });
  remote.answers[1].resolve(applied(remote.calls[1]));
  await Promise.all(rest);
  assert.equal(remote.calls.length, 2);
});

test('a refused receipt or read fails only its own frames, with its refusal', async () => {
  const remote = heldRemote();
  const receipts = createReceiptCalls(remote);
  const first = receipts.delivered('u0', ['m0']);
  const good = receipts.delivered('u1', ['m1']);
  const bad = receipts.delivered('u2', ['not-a-uuid']);
  const goodRead = receipts.read({ userId: 'u1', chatId: 'c1', upToMessageId: 'm1' });
  const badRead = receipts.read({ userId: 'u2', chatId: 'c2', upToMessageId: 'm2' });
  remote.answers[0].resolve(applied(remote.calls[0]));
  await first;
  await sleep(1);
  const invalid = new AppError('VALIDATION_ERROR', 'message_id must be a UUID');
  const forbidden = new AppError('FORBIDDEN', 'You are not a member of this chat');
  remote.answers[1].resolve({ delivered: [undefined, invalid], reads: [undefined, forbidden] });
  await good;
  await goodRead;
  await assert.rejects(bad, (error) => error === invalid);
  await assert.rejects(badRead, (error) => error === forbidden);
});

test('a failed call fails every frame it carried with its error; later frames go on', async () => {
  const remote = heldRemote();
  const receipts = createReceiptCalls(remote);
  const first = receipts.delivered('u1', ['m1']);
  const second = receipts.delivered('u1', ['m2']);
  const third = receipts.read({ userId: 'u2', chatId: 'c1', upToMessageId: 'm3' });
  const outage = serviceUnavailable('message-service unavailable');
  remote.answers[0].resolve(applied(remote.calls[0]));
  await first;
  await sleep(1);
  remote.answers[1].reject(outage);
  await assert.rejects(second, (error) => error === outage);
  await assert.rejects(third, (error) => error === outage);
  const fourth = receipts.delivered('u1', ['m4']);
  assert.deepEqual(remote.calls.at(-1), {
    delivered: [{ userId: 'u1', messageIds: ['m4'] }],
    reads: [],
  });
  remote.answers.at(-1)!.resolve(applied(remote.calls.at(-1)!));
  await fourth;
});

test('a message.delivered frame never holds more ids than one receipt of a call takes', () => {
  // So the oldest waiting frame always fits in the next call on its own.
  const schema = CLIENT_EVENT_SCHEMAS['message.delivered'].properties.message_ids;
  const { maxItems } = schema as { maxItems?: number };
  assert.ok(maxItems !== undefined && maxItems <= MESSAGE_CALL_LIMITS.idsPerReceipt);
  assert.ok(MESSAGE_CALL_LIMITS.idsPerReceipt <= MESSAGE_CALL_LIMITS.idsPerCall);
});
