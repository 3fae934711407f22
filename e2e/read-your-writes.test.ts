import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectNats, ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import {
  startNatsServer,
  startStack,
  testLogger,
  TestSocket,
  type Stack,
  type StackSession,
  type TestNatsServer,
} from '@wa/pkg/testing';

/*
 * Issue 11, defect 2: whatever the API acknowledged holds for the very next request (read-your-
 * writes). Each test first warms the caches that answer "may this user post / type here", then
 * makes a change while the stack's private nats-server is stopped, so no invalidation event can
 * reach any instance before the next request: only what the services do before answering 200 can
 * make that request see the change. NATS comes back at the end of each test.
 */

let nats: TestNatsServer;
let stack: Stack | undefined;
const sockets: TestSocket[] = [];

before(async () => {
  nats = await startNatsServer();
  const nc = await connectNats({ url: nats.url, name: 'read-your-writes', log: testLogger() });
  await ensureStreams(await jetstreamManager(nc));
  await nc.drain();
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    stores: { NATS_URL: nats.url },
  });
});

after(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await stack?.stop();
  await nats?.destroy();
});

/** Runs `change` with the event bus down: no invalidation event is delivered meanwhile. */
async function withoutEvents(change: () => Promise<void>): Promise<void> {
  await nats.stop();
  try {
    await change();
  } finally {
    await nats.start();
  }
}

async function call(session: StackSession, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack!.gateway}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${session.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const envelope = (await response.json()) as { data: Record<string, unknown> };
  return { status: response.status, data: envelope.data, envelope };
}

/** A call that must be acknowledged (2xx). */
async function api(session: StackSession, method: string, path: string, body?: unknown) {
  const { status, data, envelope } = await call(session, method, path, body);
  assert.ok(
    status >= 200 && status < 300,
    `${method} ${path}: ${status} ${JSON.stringify(envelope)}`,
  );
  return data;
}

/** The status a text send into the chat is answered with. */
async function sendStatus(session: StackSession, chatId: string): Promise<number> {
  const { status } = await call(session, 'POST', `/api/v1/chats/${chatId}/messages`, {
    client_msg_id: randomUUID(),
    type: 'text',
    payload: { body: 'hello' },
  });
  return status;
}

async function directChat(from: StackSession, to: StackSession): Promise<string> {
  const chat = await api(from, 'POST', '/api/v1/chats', { type: 'direct', participant_id: to.id });
  return chat.chat_id as string;
}

async function group(admin: StackSession, members: StackSession[]): Promise<string> {
  const chat = await api(admin, 'POST', '/api/v1/chats', {
    type: 'group',
    name: 'read your writes',
    participant_ids: members.map((member) => member.id),
  });
  return chat.chat_id as string;
}

const logins = (count: number) => Promise.all(Array.from({ length: count }, () => stack!.login()));

test('a block holds for the very next send of the blocked user', async () => {
  const [alice, bob] = await logins(2);
  const chatId = await directChat(alice, bob);
  assert.equal(await sendStatus(bob, chatId), 201, 'bob may post before the block');

  await withoutEvents(async () => {
    await api(alice, 'POST', `/api/v1/users/${bob.id}/block`);
    assert.equal(await sendStatus(bob, chatId), 403, 'the acknowledged block is in force');
  });
});

test('an unblock holds for the very next send of the unblocked user', async () => {
  const [alice, bob] = await logins(2);
  const chatId = await directChat(alice, bob);

  await withoutEvents(async () => {
    await api(alice, 'POST', `/api/v1/users/${bob.id}/block`);
    // The first answer about the pair, so now the cached one: "blocked".
    assert.equal(await sendStatus(bob, chatId), 403, 'blocked');
    await api(alice, 'DELETE', `/api/v1/users/${bob.id}/block`);
    assert.equal(await sendStatus(bob, chatId), 201, 'the acknowledged unblock is in force');
  });
});

test('a removed member is refused on the very next send', async () => {
  const [alice, bob, carol] = await logins(3);
  const chatId = await group(alice, [bob, carol]);
  assert.equal(await sendStatus(bob, chatId), 201, 'bob may post while a member');

  await withoutEvents(async () => {
    await api(alice, 'DELETE', `/api/v1/chats/${chatId}/participants/${bob.id}`);
    assert.equal(await sendStatus(bob, chatId), 403, 'the acknowledged removal is in force');
  });
});

test('an added member may post at once', async () => {
  const [alice, bob, carol, dave] = await logins(4);
  const chatId = await group(alice, [bob, carol]);
  assert.equal(await sendStatus(bob, chatId), 201);

  await withoutEvents(async () => {
    await api(alice, 'POST', `/api/v1/chats/${chatId}/participants`, { user_ids: [dave.id] });
    assert.equal(await sendStatus(dave, chatId), 201, 'the acknowledged addition is in force');
  });
});

test('admin-only posting and a promotion hold for the very next send', async () => {
  const [alice, bob, carol] = await logins(3);
  const chatId = await group(alice, [bob, carol]);
  assert.equal(await sendStatus(bob, chatId), 201);

  await withoutEvents(async () => {
    await api(alice, 'PATCH', `/api/v1/chats/${chatId}`, { is_admin_only: true });
    assert.equal(await sendStatus(bob, chatId), 403, 'admin-only is in force');
    await api(alice, 'PATCH', `/api/v1/chats/${chatId}/participants/${bob.id}/role`, {
      role: 'admin',
    });
    assert.equal(await sendStatus(bob, chatId), 201, 'the promotion is in force');
  });
});

test('a removed member may no longer type in the group', async () => {
  const [alice, bob, carol] = await logins(3);
  const chatId = await group(alice, [bob, carol]);
  const socket = await TestSocket.open(stack!.websockets[0].url(bob.token));
  sockets.push(socket);
  const typing = () => socket.request('typing.start', { chat_id: chatId });
  assert.equal((await typing()).event, 'ack', 'bob may type while a member');

  await withoutEvents(async () => {
    await api(alice, 'DELETE', `/api/v1/chats/${chatId}/participants/${bob.id}`);
    const answer = await typing();
    assert.equal(answer.event, 'error', JSON.stringify(answer));
    assert.equal((answer.data as { code: number }).code, 4003);
  });
});
