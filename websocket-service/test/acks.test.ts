import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, serviceUnavailable } from '@wa/pkg/errors';
import { startWsTestStack, TestSocket, type WsInstance, type WsTestStack } from './helpers.ts';

let stack: WsTestStack;
let instance: WsInstance;
const sockets: TestSocket[] = [];

before(async () => {
  stack = await startWsTestStack();
  instance = await stack.startWs();
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
});

async function connect(): Promise<{ userId: string; socket: TestSocket }> {
  const session = await stack.login();
  const socket = await TestSocket.open(instance.url(session.token));
  sockets.push(socket);
  await socket.request('ping', {});
  return { userId: session.id, socket };
}

const callsFor = (userId: string) =>
  stack.fakes.message.calls.updateMessageStatus.filter((call) => call.userId === userId);

/** Sends one message.delivered frame per id, back to back, with req_ids d0, d1, … */
function ackEach(socket: TestSocket, ids: string[]): void {
  ids.forEach((id, index) => socket.send('message.delivered', { message_ids: [id] }, `d${index}`));
}

const answersTo = (socket: TestSocket, count: number) =>
  Promise.all(
    Array.from({ length: count }, (_, index) =>
      socket.waitFor((frame) => frame.req_id === `d${index}`),
    ),
  );

test('message.delivered frames sent while a call is in flight share the next call, each answered ack', async () => {
  stack.fakes.message.implement({
    updateMessageStatus: async (request) => {
      await sleep(100);
      return { success: true, updated: request.messageIds.length };
    },
  });
  const { userId, socket } = await connect();
  const ids = Array.from({ length: 5 }, () => randomUUID());
  ackEach(socket, ids);
  const answers = await answersTo(socket, ids.length);
  assert.deepEqual(
    answers.map((frame) => frame.event),
    Array(ids.length).fill('ack'),
  );
  const calls = callsFor(userId);
  assert.ok(calls.length < ids.length, `${calls.length} calls for ${ids.length} frames`);
  assert.deepEqual(calls.flatMap((call) => call.messageIds).sort(), [...ids].sort());
});

test('when the shared call fails, every frame it carried is answered with the error', async () => {
  stack.fakes.message.implement({
    updateMessageStatus: async () => {
      await sleep(50);
      throw serviceUnavailable('message store unavailable');
    },
  });
  const { socket } = await connect();
  const ids = Array.from({ length: 3 }, () => randomUUID());
  ackEach(socket, ids);
  const answers = await answersTo(socket, ids.length);
  for (const frame of answers) {
    assert.equal(frame.event, 'error');
    assert.equal((frame.data as { code: number }).code, ERROR_CODES.SERVICE_UNAVAILABLE.ws);
  }
});
