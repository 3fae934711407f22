import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { eventMeta, publishEvent } from '@wa/pkg/bus';
import { startWsTestStack, TestSocket, type WsTestStack } from './helpers.ts';

let stack: WsTestStack;
const sockets: TestSocket[] = [];

before(async () => {
  stack = await startWsTestStack();
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
});

test('a fanned-out frame reaches the socket as a text frame, byte for byte as published', async () => {
  const instance = await stack.startWs();
  const recipient = await stack.login();
  const socket = await TestSocket.open(instance.url(recipient.token));
  sockets.push(socket);
  await socket.request('ping', {});
  const body = 'grüße 👋 "quoted" \\ back';
  const received = once(socket.ws, 'message') as Promise<[Buffer, boolean]>;
  await publishEvent(stack.js, 'msg.new', {
    ...eventMeta(),
    message_id: randomUUID(),
    chat_id: randomUUID(),
    sender_id: randomUUID(),
    type: 'text',
    payload: { body },
    recipient_ids: [recipient.id],
  });
  const [data, isBinary] = await received;
  assert.equal(isBinary, false);
  const frame = JSON.parse(data.toString('utf8')) as { event: string; data: { payload: unknown } };
  assert.equal(frame.event, 'message.new');
  assert.deepEqual(frame.data.payload, { body });
});
