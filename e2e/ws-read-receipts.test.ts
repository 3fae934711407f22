import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  TestSocket,
  startStack,
  type ReceivedFrame,
  type Stack,
  type StackSession,
} from '@wa/pkg/testing';

/*
 * Addenda E through the real services: a reader whose read_receipts is off tells no one else that
 * they read. One websocket-service instance takes every event of the stack in stream order per
 * chat, so a later message of the same chat is a marker: any status the fan-out was going to send
 * for the read reaches the sender before the marker does. No fixed sleep.
 */
let stack: Stack;
const sockets: TestSocket[] = [];

before(async () => {
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service', 'websocket-service'],
  });
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
});

async function api(session: StackSession, method: string, path: string, body: unknown) {
  const response = await fetch(`${stack.gateway}${path}`, {
    method,
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const envelope = (await response.json()) as { data: Record<string, unknown> };
  assert.ok(response.ok, `${method} ${path} answered ${response.status}`);
  return envelope.data;
}

async function connect(session: StackSession): Promise<TestSocket> {
  const socket = await TestSocket.open(stack.websockets[0].url(session.token));
  sockets.push(socket);
  await socket.request('ping', {});
  return socket;
}

const dataOf = (frame: ReceivedFrame) => frame.data as Record<string, unknown>;
const isNew = (messageId: string) => (frame: ReceivedFrame) =>
  frame.event === 'message.new' && dataOf(frame).message_id === messageId;
const isStatus = (messageId: string, status: string) => (frame: ReceivedFrame) =>
  frame.event === 'message.status' &&
  dataOf(frame).message_id === messageId &&
  dataOf(frame).status === status;

async function send(socket: TestSocket, chatId: string, body: string): Promise<string> {
  const answer = await socket.request('message.send', {
    chat_id: chatId,
    client_msg_id: randomUUID(),
    type: 'text',
    payload: { body },
  });
  assert.equal(answer.event, 'message.sent', JSON.stringify(answer));
  return dataOf(answer).message_id as string;
}

/**
 * A sends B a message, B acknowledges and reads it, then B sends A a marker message in the same
 * chat. Resolves with every frame A received once the marker arrived.
 */
async function readThenMark(
  readReceipts: boolean,
): Promise<{ messageId: string; seen: ReceivedFrame[] }> {
  const [alice, bob] = await Promise.all([stack.login(), stack.login()]);
  await api(bob, 'PUT', '/api/v1/users/me/privacy', { read_receipts: readReceipts });
  const chatId = (
    await api(alice, 'POST', '/api/v1/chats', { type: 'direct', participant_id: bob.id })
  ).chat_id as string;
  const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);

  const messageId = await send(aliceSocket, chatId, 'did you read this?');
  await bobSocket.waitFor(isNew(messageId));
  await bobSocket.request('message.delivered', { message_ids: [messageId] });
  await aliceSocket.waitFor(isStatus(messageId, 'delivered'));
  assert.equal(
    (await bobSocket.request('message.read', { chat_id: chatId, up_to_message_id: messageId }))
      .event,
    'ack',
  );
  const marker = await send(bobSocket, chatId, 'marker');
  await aliceSocket.waitFor(isNew(marker));
  return { messageId, seen: aliceSocket.frames };
}

test('with read receipts on, the sender learns of the read before the marker (the marker works)', async () => {
  const { messageId, seen } = await readThenMark(true);
  const read = seen.findIndex(isStatus(messageId, 'read'));
  const marker = seen.findIndex((frame) => frame.event === 'message.new');
  assert.ok(read >= 0 && read < marker, 'the read status precedes the marker');
});

test('with read receipts off, the sender gets no read status for the message', async () => {
  const { messageId, seen } = await readThenMark(false);
  const statuses = seen.filter((frame) => frame.event === 'message.status').map(dataOf);
  assert.deepEqual(
    statuses.map((status) => [status.message_id, status.status]),
    [[messageId, 'delivered']],
    'only the delivered status reached the sender',
  );
});
