import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectNats, ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import { MessageService, createGrpcClient } from '@wa/pkg/grpc';
import {
  eventually,
  startNatsServer,
  startStack,
  testLogger,
  TestSocket,
  type ReceivedFrame,
  type Stack,
  type StackSession,
  type TestNatsServer,
} from '@wa/pkg/testing';

/*
 * Issue 5 end to end: real gateway → websocket-service → message-service → NATS → websocket-service
 * with real WebSocket clients, two websocket-service instances (each behind its own gateway, as a
 * load balancer would split users) and a private nats-server that the last test stops.
 */

let nats: TestNatsServer;
let stack: Stack | undefined;
const sockets: TestSocket[] = [];
let gatewayA = '';
let gatewayB = '';

type Session = StackSession;

before(async () => {
  nats = await startNatsServer();
  const nc = await connectNats({ url: nats.url, name: 'ws-e2e', log: testLogger() });
  await ensureStreams(await jetstreamManager(nc));
  await nc.drain();
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    stores: { NATS_URL: nats.url },
    websocketInstances: 2,
    env: {
      'message-service': {
        GRPC_CLIENT_TIMEOUT_MS: '5000',
        OUTBOX_MAX_BACKOFF_MS: '1000',
      },
    },
  });
  [gatewayA, gatewayB] = stack.gateways.map((origin) => new URL(origin).host);
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
  await nats?.destroy();
});

async function api(session: Session, method: string, path: string, body?: unknown) {
  const response = await fetch(`http://${gatewayA}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${session.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const envelope = (await response.json()) as { data: Record<string, unknown> };
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(envelope)}`);
  return envelope.data;
}

const login = (): Promise<Session> => stack!.login();

async function connect(session: Session, gateway = gatewayA): Promise<TestSocket> {
  const socket = await TestSocket.open(
    `ws://${gateway}/ws?token=${encodeURIComponent(session.token)}`,
  );
  sockets.push(socket);
  await socket.request('ping', {});
  return socket;
}

const directChat = async (a: Session, b: Session) =>
  (await api(a, 'POST', '/api/v1/chats', { type: 'direct', participant_id: b.id }))
    .chat_id as string;

/** Alice and Bob in a direct chat, each connected through a gateway of their own. */
async function pairAcrossGateways() {
  const [alice, bob] = await Promise.all([login(), login()]);
  const chatId = await directChat(alice, bob);
  const [aliceSocket, bobSocket] = await Promise.all([
    connect(alice, gatewayA),
    connect(bob, gatewayB),
  ]);
  return { alice, bob, chatId, aliceSocket, bobSocket };
}

const text = (chatId: string, body: string, clientMsgId = randomUUID()) => ({
  chat_id: chatId,
  client_msg_id: clientMsgId,
  type: 'text' as const,
  payload: { body },
});

const dataOf = (frame: ReceivedFrame) => frame.data as Record<string, unknown>;
const isNew = (messageId: string) => (frame: ReceivedFrame) =>
  frame.event === 'message.new' && dataOf(frame).message_id === messageId;
const isStatus = (messageId: string, userId: string, status: string) => (frame: ReceivedFrame) =>
  frame.event === 'message.status' &&
  dataOf(frame).message_id === messageId &&
  dataOf(frame).user_id === userId &&
  dataOf(frame).status === status;

async function send(
  socket: TestSocket,
  data: ReturnType<typeof text> & { reply_to_message_id?: string },
) {
  const answer = await socket.request('message.send', data);
  assert.equal(answer.event, 'message.sent', JSON.stringify(answer));
  return dataOf(answer) as { message_id: string; client_msg_id: string; duplicate: boolean };
}

describe('delivery with receipts', () => {
  test('1-to-1 across two instances: message.new, then delivered and read reach the sender', async () => {
    const { alice, bob, chatId, aliceSocket, bobSocket } = await pairAcrossGateways();
    const sent = await send(aliceSocket, text(chatId, 'hi bob'));
    const incoming = await bobSocket.waitFor(isNew(sent.message_id));
    assert.equal(dataOf(incoming).sender_id, alice.id);
    assert.deepEqual(dataOf(incoming).payload, { body: 'hi bob' });
    assert.equal(
      (await bobSocket.request('message.delivered', { message_ids: [sent.message_id] })).event,
      'ack',
    );
    await aliceSocket.waitFor(isStatus(sent.message_id, bob.id, 'delivered'));
    await bobSocket.request('message.read', { chat_id: chatId, up_to_message_id: sent.message_id });
    await aliceSocket.waitFor(isStatus(sent.message_id, bob.id, 'read'));
  });

  test('a reply and a forwarded copy say so live, as history does', async () => {
    const { alice, chatId, aliceSocket, bobSocket } = await pairAcrossGateways();
    const original = await send(aliceSocket, text(chatId, 'lunch?'));
    const plain = dataOf(await bobSocket.waitFor(isNew(original.message_id)));
    assert.equal('reply_to_message_id' in plain || 'forwarded' in plain, false);

    const reply = await send(aliceSocket, {
      ...text(chatId, 'at noon'),
      reply_to_message_id: original.message_id,
    });
    const replied = dataOf(await bobSocket.waitFor(isNew(reply.message_id)));
    assert.equal(replied.reply_to_message_id, original.message_id);

    const forward = await api(alice, 'POST', `/api/v1/messages/${original.message_id}/forward`, {
      target_chat_ids: [chatId],
    });
    const [copy] = forward.forwarded_messages as { message_id: string }[];
    const forwarded = dataOf(await bobSocket.waitFor(isNew(copy.message_id)));
    assert.equal(forwarded.forwarded, true);
  });

  test('group: every member gets the message and the sender every receipt', async () => {
    const [owner, b, c] = await Promise.all([login(), login(), login()]);
    const chatId = (
      await api(owner, 'POST', '/api/v1/chats', {
        type: 'group',
        name: 'Trio',
        participant_ids: [b.id, c.id],
      })
    ).chat_id as string;
    const ownerSocket = await connect(owner, gatewayA);
    const members = await Promise.all([connect(b, gatewayA), connect(c, gatewayB)]);
    const sent = await send(ownerSocket, text(chatId, 'hello group'));
    for (const [index, socket] of members.entries()) {
      await socket.waitFor(isNew(sent.message_id));
      await socket.request('message.delivered', { message_ids: [sent.message_id] });
      await socket.request('message.read', { chat_id: chatId, up_to_message_id: sent.message_id });
      const member = [b, c][index];
      await ownerSocket.waitFor(isStatus(sent.message_id, member.id, 'delivered'));
      await ownerSocket.waitFor(isStatus(sent.message_id, member.id, 'read'));
    }
  });

  test('a duplicate send returns the same message_id and is delivered once', async () => {
    const [alice, bob] = await Promise.all([login(), login()]);
    const chatId = await directChat(alice, bob);
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob, gatewayB)]);
    const clientMsgId = randomUUID();
    const first = await send(aliceSocket, text(chatId, 'once', clientMsgId));
    const second = await send(aliceSocket, text(chatId, 'once', clientMsgId));
    assert.equal(second.message_id, first.message_id);
    assert.equal(second.duplicate, true);
    await bobSocket.waitFor(isNew(first.message_id));
    // A later message of the same chat is fanned out behind any second copy.
    const later = await send(aliceSocket, text(chatId, 'marker'));
    await bobSocket.waitFor(isNew(later.message_id));
    assert.equal(bobSocket.frames.filter(isNew(first.message_id)).length, 1);
  });
});

describe('at-least-once', () => {
  test('an offline user gets the whole backlog on connect, oldest first, once per message_id', async () => {
    const [alice, bob, carol] = await Promise.all([login(), login(), login()]);
    // Carol stays connected: the chat's events are fanned out in order, so once she has the last
    // message, every msg.new has been through the fan-out while Bob was away (none can also
    // arrive live).
    const chatId = (
      await api(alice, 'POST', '/api/v1/chats', {
        type: 'group',
        name: 'Backlog',
        participant_ids: [bob.id, carol.id],
      })
    ).chat_id as string;
    const carolSocket = await connect(carol, gatewayA);
    const sent: string[] = [];
    for (let i = 0; i < 130; i++) {
      const message = await api(alice, 'POST', `/api/v1/chats/${chatId}/messages`, {
        client_msg_id: randomUUID(),
        type: 'text',
        payload: { body: `m${i}` },
      });
      sent.push((message.message as { message_id: string }).message_id);
    }
    await carolSocket.waitFor(isNew(sent[sent.length - 1]), 20_000);
    const bobSocket = await connect(bob, gatewayB);
    // The group's "created" notice is a message too; only Alice's texts are counted.
    const texts = () => bobSocket.all('message.new').filter((frame) => frame.data.type === 'text');
    await eventually(() => assert.equal(texts().length, sent.length), { timeoutMs: 20_000 });
    // The replay asked for its next page (if any) before the last frame reached Bob; a message
    // sent now arrives behind anything that page would have repeated.
    const aliceSocket = await connect(alice, gatewayA);
    const marker = await send(aliceSocket, text(chatId, 'marker'));
    await bobSocket.waitFor(isNew(marker.message_id));
    const frames = texts().filter((frame) => frame.data.message_id !== marker.message_id);
    const received = frames.map((frame) => frame.data.message_id);
    // Once per message_id, all of them, oldest first (messages of the same millisecond in any order).
    assert.equal(new Set(received).size, received.length);
    assert.deepEqual([...received].sort(), [...sent].sort());
    const times = frames.map((frame) => Date.parse(frame.data.timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    const all = [...new Set(bobSocket.all('message.new').map((frame) => frame.data.message_id))];
    await bobSocket.request('message.delivered', { message_ids: all.slice(0, 100) });
    await bobSocket.request('message.delivered', { message_ids: all.slice(100) });
    // Acknowledged means stored: nothing is left for a replay (its source, asked directly).
    const messages = createGrpcClient(MessageService, {
      address: stack!.grpc('message-service'),
      timeoutMs: 5_000,
    });
    const left = await messages.listUndelivered({ userId: bob.id, after: '', limit: 500 });
    assert.deepEqual(
      left.messages.filter((m) => m.chatId === chatId).map((m) => m.messageId),
      [],
    );
    await bobSocket.close();
    const again = await connect(bob, gatewayA);
    const next = await send(aliceSocket, text(chatId, 'after reconnect'));
    await again.waitFor(isNew(next.message_id));
    assert.deepEqual(
      again.all('message.new').map((frame) => frame.data.message_id),
      again.all('message.new').map(() => next.message_id),
      'nothing but the live message (a replay may repeat it)',
    );
  });

  test('a message not acknowledged before the socket dropped is replayed on reconnect', async () => {
    const [alice, bob] = await Promise.all([login(), login()]);
    const chatId = await directChat(alice, bob);
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    const sent = await send(aliceSocket, text(chatId, 'ack me'));
    await bobSocket.waitFor(isNew(sent.message_id));
    bobSocket.ws.terminate(); // no message.delivered
    const again = await connect(bob, gatewayB);
    await again.waitFor(isNew(sent.message_id));
  });
});

describe('refusals', () => {
  test('a non-member’s send is refused with 4003', async () => {
    const [alice, bob, eve] = await Promise.all([login(), login(), login()]);
    const chatId = await directChat(alice, bob);
    const eveSocket = await connect(eve);
    const answer = await eveSocket.request('message.send', text(chatId, 'let me in'));
    assert.equal(answer.event, 'error');
    assert.equal(dataOf(answer).code, 4003);
  });

  test('a send to a user who blocked the sender is refused with 4003', async () => {
    const [alice, bob] = await Promise.all([login(), login()]);
    const chatId = await directChat(alice, bob);
    await api(bob, 'POST', `/api/v1/users/${alice.id}/block`);
    const aliceSocket = await connect(alice);
    const answer = await aliceSocket.request('message.send', text(chatId, 'hello?'));
    assert.equal(dataOf(answer).code, 4003);
  });

  test('the 31st send in 10 s is refused with 4029 and its req_id', async () => {
    const [alice, bob] = await Promise.all([login(), login()]);
    const chatId = await directChat(alice, bob);
    const aliceSocket = await connect(alice);
    const answers = await Promise.all(
      Array.from({ length: 31 }, (_, i) =>
        aliceSocket.request('message.send', text(chatId, `burst ${i}`)),
      ),
    );
    const limited = answers.filter(
      (answer) => answer.event === 'error' && dataOf(answer).code === 4029,
    );
    assert.equal(limited.length, 1);
    assert.equal(answers.filter((answer) => answer.event === 'message.sent').length, 30);
  });

  test('malformed frames through the gateway get error frames; the connection survives', async () => {
    const user = await login();
    const socket = await connect(user);
    socket.ws.send('{{{');
    socket.ws.send(JSON.stringify({ event: 'nope', req_id: 'x1' }));
    await socket.waitFor((frame) => frame.req_id === 'x1' && frame.event === 'error');
    assert.equal(socket.all('error').length, 2);
    assert.equal((await socket.request('ping', {})).event, 'pong');
  });
});

describe('shutdown', () => {
  // The service tier stops an in-process instance; here a real process gets SIGTERM.
  test('SIGTERM closes every socket with 1001 and the process exits 0', async () => {
    const instance = await stack!.startWebsocket();
    const user = await login();
    const socket = await TestSocket.open(instance.url(user.token));
    sockets.push(socket);
    await socket.request('ping', {});
    await instance.service.stop();
    assert.equal((await socket.closed).code, 1001);
    assert.equal(instance.service.process.exitCode, 0);
  });
});

describe('NATS outage', () => {
  test('every message acknowledged while NATS was down reaches its recipient after it returns', async () => {
    const { chatId, aliceSocket, bobSocket } = await pairAcrossGateways();
    await nats.stop();
    const sent: string[] = [];
    const deadline = Date.now() + 3_000;
    for (let i = 0; Date.now() < deadline; i++) {
      const answer = await aliceSocket.request('message.send', text(chatId, `during outage ${i}`));
      if (answer.event === 'message.sent') sent.push(dataOf(answer).message_id as string);
      // Sends spread over the outage (time passing, not a wait for an effect).
      await sleep(300);
    }
    await nats.start();
    assert.ok(sent.length > 0, 'no send was acknowledged while NATS was down');
    for (const messageId of sent) await bobSocket.waitFor(isNew(messageId), 45_000);
  });
});
