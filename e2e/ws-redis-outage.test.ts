import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis, waitForRedis } from '@wa/pkg/db';
import {
  eventually,
  startRedisServer,
  startStack,
  testLogger,
  TestSocket,
  type ReceivedFrame,
  type Stack,
  type StackSession,
  type TestRedisServer,
} from '@wa/pkg/testing';

/*
 * Redis restarting under sockets that stay open (issue 5; PRD §2.2 fan-out goes through Redis
 * pub/sub): a private redis-server is stopped and started again while two websocket-service
 * instances, each behind its own gateway, hold the users' sockets.
 */

let redis: TestRedisServer;
let stack: Stack | undefined;
const sockets: TestSocket[] = [];
let gatewayA = '';
let gatewayB = '';

before(async () => {
  redis = await startRedisServer();
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    stores: { REDIS_URL: redis.url },
    websocketInstances: 2,
    env: { 'message-service': { GRPC_CLIENT_TIMEOUT_MS: '5000' } },
  });
  [gatewayA, gatewayB] = stack.gateways.map((origin) => new URL(origin).host);
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
  await redis?.stop();
});

async function connect(session: StackSession, gateway: string): Promise<TestSocket> {
  const socket = await TestSocket.open(
    `ws://${gateway}/ws?token=${encodeURIComponent(session.token)}`,
  );
  sockets.push(socket);
  await socket.request('ping', {});
  return socket;
}

async function directChat(from: StackSession, to: StackSession): Promise<string> {
  const response = await fetch(`http://${gatewayA}/api/v1/chats`, {
    method: 'POST',
    headers: { authorization: `Bearer ${from.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'direct', participant_id: to.id }),
  });
  const envelope = (await response.json()) as { data: { chat_id: string } };
  assert.equal(response.status, 201, JSON.stringify(envelope));
  return envelope.data.chat_id;
}

async function send(socket: TestSocket, chatId: string, body: string): Promise<string> {
  const answer = await socket.request('message.send', {
    chat_id: chatId,
    client_msg_id: randomUUID(),
    type: 'text',
    payload: { body },
  });
  assert.equal(answer.event, 'message.sent', JSON.stringify(answer));
  return (answer.data as { message_id: string }).message_id;
}

const isNew = (messageId: string) => (frame: ReceivedFrame) =>
  frame.event === 'message.new' && (frame.data as { message_id: string }).message_id === messageId;

test('sockets kept through a Redis restart, and one opened during it, get every message', async () => {
  const [alice, bob, carol, dave] = await Promise.all([
    stack!.login(),
    stack!.login(),
    stack!.login(),
    stack!.login(),
  ]);
  const [toBob, toCarol] = await Promise.all([directChat(alice, bob), directChat(alice, carol)]);
  const [aliceSocket, bobSocket] = await Promise.all([
    connect(alice, gatewayA),
    connect(bob, gatewayB),
  ]);
  const daveSocket = await connect(dave, gatewayB);

  await redis.stop();
  // Leaves while Redis is away: the UNSUBSCRIBE cannot be sent.
  await daveSocket.close();
  // Opened while Redis is away: its channel cannot be subscribed yet.
  const carolSocket = await connect(carol, gatewayA);
  // The send limit's counter lives in Redis; without it sends are allowed, not refused.
  const duringOutage = [
    { socket: bobSocket, messageId: await send(aliceSocket, toBob, 'while Redis is down') },
    { socket: carolSocket, messageId: await send(aliceSocket, toCarol, 'while Redis is down') },
  ];
  // Redis stays away a while, so the instances' reconnect attempts fail meanwhile.
  await sleep(1_000);
  await redis.start();

  for (const { socket, messageId } of duringOutage) await socket.waitFor(isNew(messageId), 30_000);
  const probe = createRedis({ url: redis.url, log: testLogger('redis-outage') });
  try {
    await waitForRedis(probe);
    const subscribers = async (userId: string) =>
      ((await probe.call('PUBSUB', 'NUMSUB', `user:channel:${userId}`)) as [string, number])[1];
    // The live path is back once each kept socket's channel is subscribed again (once), and no
    // instance is left subscribed to the channel of the user who left during the outage.
    await eventually(async () => {
      assert.equal(await subscribers(bob.id), 1);
      assert.equal(await subscribers(carol.id), 1);
    });
    assert.equal(await subscribers(dave.id), 0);
  } finally {
    probe.disconnect();
  }
  for (const [socket, chatId] of [
    [bobSocket, toBob],
    [carolSocket, toCarol],
  ] as const) {
    const messageId = await send(aliceSocket, chatId, 'after Redis is back');
    await socket.waitFor(isNew(messageId), 10_000);
  }
});
