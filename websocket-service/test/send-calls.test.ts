import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOutgoing } from '../src/repository/message-remote.ts';
import { sendsThatFit } from '../src/service/messaging-service.ts';

const send = (bytes: number) =>
  encodeOutgoing({
    chatId: 'c',
    senderId: 'u',
    type: 'text',
    payload: { body: 'x'.repeat(bytes - 11) }, // {"body":""} is 11 bytes
    clientMsgId: 'm',
  });

test('a SendMessages call takes the oldest sends within its count and payload bytes', () => {
  const limits = { count: 3, bytes: 1_000 };
  assert.equal(send(100).payload.byteLength, 100);
  assert.equal(sendsThatFit([send(100), send(100), send(100), send(100)], limits), 3, 'by count');
  assert.equal(sendsThatFit([send(400), send(400), send(400)], limits), 2, 'by bytes');
  assert.equal(sendsThatFit([send(5_000), send(20)], limits), 1, 'a large send goes alone');
  assert.equal(sendsThatFit([send(20), send(5_000)], limits), 1, '…and waits for the next call');
});
