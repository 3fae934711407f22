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

async function connect(on: WsInstance = instance): Promise<{ userId: string; socket: TestSocket }> {
  const session = await stack.login();
  const socket = await TestSocket.open(on.url(session.token));
  sockets.push(socket);
  await socket.request('ping', {});
  return { userId: session.id, socket };
}

/** The delivery receipts of `userId` in the UpdateReceipts calls so far, one per call. */
const receiptsOf = (userId: string) =>
  stack.fakes.message.calls.updateReceipts.flatMap((call) =>
    call.delivered.filter((receipt) => receipt.userId === userId),
  );

const APPLIED = { updated: 1, errorCode: '', error: '' };

const acceptAll = (request: { delivered: unknown[]; reads: unknown[] }) => ({
  delivered: request.delivered.map(() => APPLIED),
  reads: request.reads.map(() => APPLIED),
});

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

/** A `message.send` frame of one text message. */
const textSend = (chatId: string = randomUUID(), clientMsgId: string = randomUUID()) => ({
  chat_id: chatId,
  client_msg_id: clientMsgId,
  type: 'text' as const,
  payload: { body: 'hello' },
});

function assertAllUnavailable(answers: { event: string; data: unknown }[]): void {
  for (const frame of answers) {
    assert.equal(frame.event, 'error');
    assert.equal((frame.data as { code: number }).code, ERROR_CODES.SERVICE_UNAVAILABLE.ws);
  }
}

test('message.delivered frames sent while a call is in flight share the next call, each answered ack', async () => {
  stack.fakes.message.implement({
    updateReceipts: async (request) => {
      await sleep(100);
      return acceptAll(request);
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
  const receipts = receiptsOf(userId);
  assert.ok(receipts.length < ids.length, `${receipts.length} calls for ${ids.length} frames`);
  assert.deepEqual(receipts.flatMap((receipt) => receipt.messageIds).sort(), [...ids].sort());
});

test("different users' acks arriving while a call is in flight share one call", async () => {
  stack.fakes.message.implement({
    updateReceipts: async (request) => {
      await sleep(100);
      return acceptAll(request);
    },
  });
  const first = await connect();
  const others = [await connect(), await connect()];
  const callsBefore = stack.fakes.message.calls.updateReceipts.length;
  first.socket.send('message.delivered', { message_ids: [randomUUID()] }, 'd0');
  await sleep(20); // the first call is in flight (its answer takes 100 ms)
  for (const other of others)
    other.socket.send('message.delivered', { message_ids: [randomUUID()] }, 'd0');
  await answersTo(first.socket, 1);
  for (const other of others) assert.equal((await answersTo(other.socket, 1))[0].event, 'ack');
  const calls = stack.fakes.message.calls.updateReceipts.slice(callsBefore);
  assert.equal(calls.length, 2, 'one call for the first ack, one for the two that waited');
  assert.deepEqual(
    calls[1].delivered.map((receipt) => receipt.userId).sort(),
    others.map((other) => other.userId).sort(),
  );
});

test('a receipt the message-service refuses is answered with its error; the others ack', async () => {
  const refusedId = randomUUID();
  stack.fakes.message.implement({
    updateReceipts: (request) => ({
      delivered: request.delivered.map((receipt) =>
        receipt.messageIds.includes(refusedId)
          ? { updated: 0, errorCode: 'VALIDATION_ERROR', error: 'message_ids takes 1-500 ids' }
          : APPLIED,
      ),
      reads: request.reads.map(() => APPLIED),
    }),
  });
  const refused = await connect();
  const accepted = await connect();
  refused.socket.send('message.delivered', { message_ids: [refusedId] }, 'd0');
  accepted.socket.send('message.delivered', { message_ids: [randomUUID()] }, 'd0');
  const [refusal] = await answersTo(refused.socket, 1);
  assert.equal(refusal.event, 'error');
  assert.equal((refusal.data as { code: number }).code, ERROR_CODES.VALIDATION_ERROR.ws);
  assert.equal((await answersTo(accepted.socket, 1))[0].event, 'ack');
});

test('when the shared call fails, every frame it carried is answered with the error', async () => {
  stack.fakes.message.implement({
    updateReceipts: async () => {
      await sleep(50);
      throw serviceUnavailable('message store unavailable');
    },
  });
  const { socket } = await connect();
  const ids = Array.from({ length: 3 }, () => randomUUID());
  ackEach(socket, ids);
  assertAllUnavailable(await answersTo(socket, ids.length));
});

test('a receipt sent without req_id is fire-and-forget: applied, never acked; its failure still answered', async () => {
  stack.fakes.message.implement({ updateReceipts: acceptAll });
  const { userId, socket } = await connect();
  const silent = randomUUID();
  socket.send('message.delivered', { message_ids: [silent] });
  // The marker goes the same way, in the same or a later call, so its ack comes last.
  socket.send('message.delivered', { message_ids: [randomUUID()] }, 'marker');
  await socket.waitFor((frame) => frame.req_id === 'marker');
  assert.ok(
    receiptsOf(userId).some((receipt) => receipt.messageIds.includes(silent)),
    'the receipt was applied',
  );
  assert.deepEqual(
    socket.frames.filter((frame) => frame.event === 'ack').map((frame) => frame.req_id),
    ['marker'],
  );

  stack.fakes.message.implement({
    updateReceipts: () => {
      throw serviceUnavailable('message store unavailable');
    },
  });
  socket.send('message.delivered', { message_ids: [randomUUID()] });
  const failure = await socket.waitFor((frame) => frame.event === 'error');
  assert.equal(failure.req_id, undefined);
  assert.equal((failure.data as { code: number }).code, ERROR_CODES.SERVICE_UNAVAILABLE.ws);
});

test('message.read frames arriving while a call is in flight share one UpdateReceipts call; a refused read answers its own code', async () => {
  const forbiddenChat = randomUUID();
  stack.fakes.message.implement({
    updateReceipts: async (request) => {
      await sleep(100);
      return {
        delivered: request.delivered.map(() => APPLIED),
        reads: request.reads.map((read) =>
          read.chatId === forbiddenChat
            ? { updated: 0, errorCode: 'FORBIDDEN', error: 'You are not a member of this chat' }
            : APPLIED,
        ),
      };
    },
  });
  const { userId, socket } = await connect();
  const chats = [randomUUID(), randomUUID(), forbiddenChat, randomUUID()];
  chats.forEach((chatId, index) =>
    socket.send('message.read', { chat_id: chatId, up_to_message_id: randomUUID() }, `d${index}`),
  );
  const answers = await answersTo(socket, chats.length);
  assert.deepEqual(
    answers.map((frame) => frame.event),
    ['ack', 'ack', 'error', 'ack'],
  );
  assert.equal((answers[2].data as { code: number }).code, ERROR_CODES.FORBIDDEN.ws);
  const calls = stack.fakes.message.calls.updateReceipts.filter((call) =>
    call.reads.some((read) => read.userId === userId),
  );
  assert.ok(calls.length < chats.length, `${calls.length} calls for ${chats.length} frames`);
  assert.deepEqual(
    calls.flatMap((call) => call.reads.map((read) => read.chatId)).sort(),
    [...chats].sort(),
  );
});

test('message.send frames of different users sent while a call is in flight share one SendMessages call; a refused send answers its own code', async () => {
  const forbiddenChat = randomUUID();
  let stored = 0;
  stack.fakes.message.implement({
    sendMessages: async (request) => {
      await sleep(100);
      return {
        results: request.sends.map((send) =>
          send.chatId === forbiddenChat
            ? { errorCode: 'FORBIDDEN', error: 'You are not a member of this chat' }
            : {
                sent: { messageId: `m-${(stored += 1)}`, timestamp: 1_000n, duplicate: false },
                errorCode: '',
              },
        ),
      };
    },
  });
  const senders = [await connect(), await connect()];
  const chats = [randomUUID(), randomUUID(), forbiddenChat, randomUUID()];
  chats.forEach((chatId, index) =>
    senders[index % 2].socket.send('message.send', textSend(chatId), `d${index}`),
  );
  const answers = await Promise.all(
    chats.map((_, index) =>
      senders[index % 2].socket.waitFor((frame) => frame.req_id === `d${index}`),
    ),
  );
  assert.deepEqual(
    answers.map((frame) => frame.event),
    ['message.sent', 'message.sent', 'error', 'message.sent'],
  );
  assert.equal((answers[2].data as { code: number }).code, ERROR_CODES.FORBIDDEN.ws);
  const ids = answers.flatMap((frame) =>
    frame.event === 'message.sent' ? [(frame.data as { message_id: string }).message_id] : [],
  );
  assert.equal(new Set(ids).size, 3, 'each send answered with its own message');
  const calls = stack.fakes.message.calls.sendMessages.filter((call) =>
    call.sends.some((send) => (chats as string[]).includes(send.chatId)),
  );
  assert.ok(calls.length < chats.length, `${calls.length} calls for ${chats.length} frames`);
  assert.ok(
    calls.some((call) => new Set(call.sends.map((send) => send.senderId)).size === 2),
    'one call carried both senders',
  );
  const sent = calls.flatMap((call) => call.sends);
  assert.deepEqual(sent.map((send) => send.chatId).sort(), [...chats].sort());
  assert.deepEqual(JSON.parse(new TextDecoder().decode(sent[0].payload)), { body: 'hello' });
});

test('when a shared SendMessages call fails, every send it carried is answered with the error', async () => {
  stack.fakes.message.implement({
    sendMessages: async () => {
      await sleep(50);
      throw serviceUnavailable('message store unavailable');
    },
  });
  const { socket } = await connect();
  for (let index = 0; index < 3; index++) socket.send('message.send', textSend(), `d${index}`);
  assertAllUnavailable(await answersTo(socket, 3));
});

test('sends over the sender’s limit are refused 4029 alone, never reaching the message-service; the rest of their call is sent', async () => {
  const limited = await stack.startWs({ env: { WS_SEND_RATE_LIMIT: '2' } });
  stack.fakes.message.implement({
    sendMessages: async (request) => {
      await sleep(50);
      return {
        results: request.sends.map((send) => ({
          sent: { messageId: `m-${send.clientMsgId}`, timestamp: 1_000n, duplicate: false },
          errorCode: '',
        })),
      };
    },
  });
  const [busy, other] = [(await connect(limited)).socket, (await connect(limited)).socket];
  const ids = Array.from({ length: 4 }, () => randomUUID());
  ids
    .slice(0, 3)
    .forEach((id, index) => busy.send('message.send', textSend(undefined, id), `d${index}`));
  other.send('message.send', textSend(undefined, ids[3]), 'd0');
  const answers = await answersTo(busy, 3);
  assert.deepEqual(
    answers.map((answer) => answer.event),
    ['message.sent', 'message.sent', 'error'],
  );
  assert.equal((answers[2].data as { code: number }).code, ERROR_CODES.RATE_LIMITED.ws);
  assert.equal((await answersTo(other, 1))[0].event, 'message.sent');
  const forwarded = stack.fakes.message.calls.sendMessages.flatMap((call) =>
    call.sends.map((send) => send.clientMsgId),
  );
  assert.ok(!forwarded.includes(ids[2]), 'the refused send never reached the message-service');
  assert.ok(ids.filter((id) => id !== ids[2]).every((id) => forwarded.includes(id)));
});
