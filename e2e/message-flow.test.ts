/* eslint-disable @typescript-eslint/no-unsafe-return -- envelope data is untyped JSON */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  eventually,
  randomPhone,
  request,
  startStack,
  type GatewayRequest,
  type Stack,
} from '@wa/pkg/testing';

let stack: Stack | undefined;
let gateway = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- shapes differ per route
type Data = Record<string, any>;
interface Session {
  id: string;
  token: string;
}

before(async () => {
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service'],
  });
  gateway = stack.gateway;
});

after(async () => {
  await stack?.stop();
});

async function call(
  session: Session | undefined,
  method: GatewayRequest['method'],
  url: string,
  body?: unknown,
) {
  const res = await request<Data>(gateway, { token: session?.token, method, url, body });
  return { status: res.status, data: res.body.data, error: res.body.error };
}

async function login(): Promise<Session> {
  const phone = randomPhone();
  await call(undefined, 'POST', '/api/v1/auth/request-otp', { phone });
  const res = await call(undefined, 'POST', '/api/v1/auth/verify-otp', { phone, otp: '123456' });
  assert.equal(res.status, 200, JSON.stringify(res));
  return { id: res.data.user.id, token: res.data.access_token };
}

const sendText = (session: Session, chatId: string, body: string, clientMsgId = randomUUID()) =>
  call(session, 'POST', `/api/v1/chats/${chatId}/messages`, {
    client_msg_id: clientMsgId,
    type: 'text',
    payload: { body },
  });

describe('messaging through the gateway', () => {
  test('a direct chat: send, duplicate, history, read receipts and unread counts', async () => {
    const [alice, bob, eve] = await Promise.all([login(), login(), login()]);
    const created = await call(alice, 'POST', '/api/v1/chats', {
      type: 'direct',
      participant_id: bob.id,
    });
    assert.ok([200, 201].includes(created.status), JSON.stringify(created));
    const chatId = created.data.chat_id as string;

    const clientMsgId = randomUUID();
    const first = await sendText(alice, chatId, 'Hi Bob', clientMsgId);
    assert.equal(first.status, 201, JSON.stringify(first));
    const retry = await sendText(alice, chatId, 'Hi Bob', clientMsgId);
    assert.equal(retry.status, 200);
    assert.equal(retry.data.message.message_id, first.data.message.message_id);
    const second = await sendText(alice, chatId, 'Are you there?');
    assert.equal(second.status, 201);

    const history = await call(bob, 'GET', `/api/v1/chats/${chatId}/messages?limit=50`);
    assert.equal(history.status, 200);
    assert.deepEqual(
      (history.data.messages as Data[]).map((m) => m.payload.body),
      ['Are you there?', 'Hi Bob'],
    );
    assert.equal(history.data.has_more, false);

    // The chat-service counts Bob's unread messages from msg.new …
    await eventually(async () => {
      const chat = await call(bob, 'GET', `/api/v1/chats/${chatId}`);
      assert.equal(chat.data.unread_count, 2);
    });
    const read = await call(bob, 'POST', `/api/v1/chats/${chatId}/messages/read`, {
      up_to_message_id: second.data.message.message_id,
    });
    assert.equal(read.status, 200);
    assert.equal(read.data.updated, 2);
    // … and clears them from msg.status.updated.
    await eventually(async () => {
      const chat = await call(bob, 'GET', `/api/v1/chats/${chatId}`);
      assert.equal(chat.data.unread_count, 0);
    });
    const seenByAlice = await call(alice, 'GET', `/api/v1/chats/${chatId}/messages`);
    assert.deepEqual(
      (seenByAlice.data.messages as Data[]).map((m) => m.status),
      ['read', 'read'],
    );

    const refused = await sendText(eve, chatId, 'let me in');
    assert.equal(refused.status, 403);
    assert.equal(refused.error?.code, 'FORBIDDEN');
    assert.equal((await call(eve, 'GET', `/api/v1/chats/${chatId}/messages`)).status, 403);
  });

  test('malformed requests get clear 400s and an unauthenticated one a 401', async () => {
    const alice = await login();
    const bad = await call(alice, 'GET', '/api/v1/chats/not-a-uuid/messages');
    assert.equal(bad.status, 400);
    assert.equal(bad.error?.code, 'VALIDATION_ERROR');
    const empty = await call(alice, 'POST', `/api/v1/chats/${randomUUID()}/messages`, {
      client_msg_id: 'x',
      type: 'text',
      payload: { body: '' },
    });
    assert.equal(empty.status, 400);
    assert.equal((await call(undefined, 'GET', '/api/v1/messages/starred')).status, 401);
  });

  test('a member removed from a group can no longer send (membership cache invalidated)', async () => {
    const [admin, bob, carol] = await Promise.all([login(), login(), login()]);
    const group = await call(admin, 'POST', '/api/v1/chats', {
      type: 'group',
      name: 'E2E group',
      participant_ids: [bob.id, carol.id],
    });
    assert.equal(group.status, 201, JSON.stringify(group));
    const chatId = group.data.chat_id as string;
    assert.equal((await sendText(carol, chatId, 'hello all')).status, 201);
    const removed = await call(admin, 'DELETE', `/api/v1/chats/${chatId}/participants/${carol.id}`);
    assert.equal(removed.status, 200, JSON.stringify(removed));
    await eventually(async () => {
      assert.equal((await sendText(carol, chatId, 'still here?')).status, 403);
    });
    assert.equal((await sendText(bob, chatId, 'bye Carol')).status, 201);
  });

  // The service tier publishes these events itself; here the chat-service does, through its outbox.
  test('group changes made through the chat-service appear as system messages', async () => {
    const [admin, bob, carol, dave] = await Promise.all([login(), login(), login(), login()]);
    for (const [session, name] of [
      [admin, 'Alice'],
      [carol, 'Carol'],
    ] as const)
      await call(session, 'PATCH', '/api/v1/users/me', { display_name: name });
    const group = await call(admin, 'POST', '/api/v1/chats', {
      type: 'group',
      name: 'Family',
      participant_ids: [bob.id, dave.id],
    });
    assert.equal(group.status, 201, JSON.stringify(group));
    const chatId = group.data.chat_id as string;
    const added = await call(admin, 'POST', `/api/v1/chats/${chatId}/participants`, {
      user_ids: [carol.id],
    });
    assert.equal(added.status, 200, JSON.stringify(added));
    await eventually(async () => {
      const history = await call(bob, 'GET', `/api/v1/chats/${chatId}/messages`);
      assert.deepEqual(
        (history.data.messages as Data[])
          .filter((m) => m.type === 'system')
          .map((m) => m.payload.body as string)
          .reverse(),
        ['Alice created group "Family"', 'Alice added Carol'],
      );
    });
  });
});
