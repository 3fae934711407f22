import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectNats, eventMeta, jetstream, publishEvent, type NatsConnection } from '@wa/pkg/bus';
import { createPgPool, type PgPool } from '@wa/pkg/db';
import {
  captureEvents,
  eventually,
  expectError,
  makeGroupChat,
  makeUser,
  randomPhone,
  request,
  startStack,
  testLogger,
  type Envelope,
  type EventCapture,
  type Stack,
  type GatewayRequest,
} from '@wa/pkg/testing';

let gateway = '';
let pool: PgPool;
let nc: NatsConnection;
let chatEvents: EventCapture;
let stack: Stack | undefined;

interface Session {
  id: string;
  token: string;
}

interface ChatSummary {
  chat_id: string;
  participant: { id: string; display_name: string } | null;
}

interface ListedChat extends ChatSummary {
  name: string | null;
  unread_count: number;
  last_message: { message_id: string; preview: string } | null;
}

before(async () => {
  stack = await startStack({ services: ['user-service', 'chat-service'] });
  gateway = stack.gateway;
  pool = createPgPool({ url: stack.stores.DATABASE_URL, max: 3, log: testLogger() });
  nc = await connectNats({ url: stack.stores.NATS_URL, name: 'chat-e2e', log: testLogger() });
  chatEvents = await captureEvents(nc, ['chat.>', 'group.>']);
});

after(async () => {
  await chatEvents?.stop();
  await nc?.close();
  await pool?.end();
  await stack?.stop();
});

type Method = GatewayRequest['method'];

const call = (session: Session | undefined, method: Method, url: string, body?: unknown) =>
  request(gateway, { token: session?.token, method, url, body });

async function login(displayName: string): Promise<Session> {
  const phone = randomPhone();
  assert.equal((await call(undefined, 'POST', '/api/v1/auth/request-otp', { phone })).status, 200);
  const verified = await call(undefined, 'POST', '/api/v1/auth/verify-otp', {
    phone,
    otp: '123456',
  });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  const session = {
    id: verified.body.data.user.id as string,
    token: verified.body.data.access_token,
  };
  const named = await call(session, 'PATCH', '/api/v1/users/me', { display_name: displayName });
  assert.equal(named.status, 200, JSON.stringify(named.body));
  return session;
}

const refused = (res: { status: number; body: Envelope }, status: number, code: string) =>
  void expectError(res, status, code);

async function groupWith(admin: Session, members: Session[], name = 'Family') {
  const res = await call(admin, 'POST', '/api/v1/chats', {
    type: 'group',
    name,
    participant_ids: members.map((m) => m.id),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.chat_id as string;
}

describe('chats through the gateway', () => {
  let alice: Session;
  let bob: Session;
  let carol: Session;
  let dave: Session;

  before(async () => {
    [alice, bob, carol, dave] = await Promise.all(
      ['Alice', 'Bob', 'Carol', 'Dave'].map((name) => login(name)),
    );
  });

  test('simultaneous direct-chat creation from both sides yields one chat', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? call(alice, 'POST', '/api/v1/chats', { type: 'direct', participant_id: bob.id })
          : call(bob, 'POST', '/api/v1/chats', { type: 'direct', participant_id: alice.id }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 1);
    assert.equal(results.filter((r) => r.status === 200).length, 9);
    const ids = new Set(results.map((r) => r.body.data.chat_id as string));
    assert.equal(ids.size, 1);
    const [chatId] = ids;
    // The relay publishes the outbox in order: once a chat created afterwards is announced, a
    // second chat.created for this chat would have been too.
    const marker = await call(alice, 'POST', '/api/v1/chats', {
      type: 'direct',
      participant_id: carol.id,
    });
    await chatEvents.waitFor('chat.created', (e) => e.chat_id === marker.body.data.chat_id);
    assert.equal(
      chatEvents.events.filter((e) => e.subject === 'chat.created' && e.payload.chat_id === chatId)
        .length,
      1,
    );

    const list = await call(alice, 'GET', '/api/v1/chats');
    const chats = list.body.data.chats as ChatSummary[];
    const summary = chats.find((c) => c.chat_id === chatId);
    assert.equal(summary?.participant?.id, bob.id);
    assert.equal(summary?.participant?.display_name, 'Bob', 'profile from the user-service');
  });

  test('a message event shows up as last message and unread count in the list', async () => {
    // Seeded straight into the tables: a group created through the API announces chat.created,
    // and any message-service on this NATS (other test files' stacks) answers it with a system
    // message that would count as unread too.
    const { id: chatId } = await makeGroupChat(pool, {
      createdBy: alice.id,
      memberIds: [bob.id, carol.id],
      name: 'News',
    });
    const message = {
      ...eventMeta(new Date(Date.now() + 60_000)),
      message_id: randomUUID(),
      chat_id: chatId,
      sender_id: alice.id,
      type: 'text' as const,
      payload: { body: 'Dinner at eight?' },
      recipient_ids: [bob.id, carol.id],
    };
    await publishEvent(jetstream(nc), 'msg.new', message);
    const top = await eventually(async () => {
      const list = await call(bob, 'GET', '/api/v1/chats?limit=1');
      const [first] = list.body.data.chats as ListedChat[];
      assert.equal(first?.last_message?.message_id, message.message_id);
      return first;
    });
    assert.equal(top.chat_id, chatId);
    assert.equal(top.last_message?.preview, 'Dinner at eight?');
    assert.equal(top.unread_count, 1);
    assert.equal(top.name, 'News');
  });

  test('every admin-only operation is refused to a member with 403', async () => {
    const chatId = await groupWith(alice, [bob, carol]);
    const base = `/api/v1/chats/${chatId}`;
    refused(await call(bob, 'PATCH', base, { name: 'Mine now' }), 403, 'FORBIDDEN');
    refused(await call(bob, 'PATCH', base, { is_admin_only: true }), 403, 'FORBIDDEN');
    refused(
      await call(bob, 'POST', `${base}/participants`, { user_ids: [dave.id] }),
      403,
      'FORBIDDEN',
    );
    refused(await call(bob, 'DELETE', `${base}/participants/${carol.id}`), 403, 'FORBIDDEN');
    refused(
      await call(bob, 'PATCH', `${base}/participants/${carol.id}/role`, { role: 'admin' }),
      403,
      'FORBIDDEN',
    );
    refused(
      await call(bob, 'PATCH', `${base}/participants/${alice.id}/role`, { role: 'member' }),
      403,
      'FORBIDDEN',
    );
    // A member may still mute and leave.
    assert.equal((await call(bob, 'PATCH', `${base}/mute`, { is_muted: true })).status, 200);
    assert.equal((await call(bob, 'DELETE', `${base}/participants/${bob.id}`)).status, 200);
  });

  test('a non-member can neither read nor change a chat, and cannot tell it exists', async () => {
    const chatId = await groupWith(alice, [bob, carol]);
    const base = `/api/v1/chats/${chatId}`;
    const missing = `/api/v1/chats/${randomUUID()}`;
    for (const path of [base, missing]) {
      refused(await call(dave, 'GET', path), 404, 'NOT_FOUND');
      refused(await call(dave, 'PATCH', path, { name: 'x' }), 404, 'NOT_FOUND');
      refused(await call(dave, 'PATCH', `${path}/mute`, { is_muted: true }), 404, 'NOT_FOUND');
      refused(
        await call(dave, 'POST', `${path}/participants`, { user_ids: [dave.id] }),
        404,
        'NOT_FOUND',
      );
      refused(await call(dave, 'DELETE', `${path}/participants/${dave.id}`), 404, 'NOT_FOUND');
      refused(
        await call(dave, 'PATCH', `${path}/participants/${dave.id}/role`, { role: 'admin' }),
        404,
        'NOT_FOUND',
      );
    }
    const list = await call(dave, 'GET', '/api/v1/chats?limit=100');
    assert.ok(!(list.body.data.chats as ChatSummary[]).some((c) => c.chat_id === chatId));
  });

  test('the last admin can neither leave nor be demoted until another admin exists', async () => {
    const chatId = await groupWith(alice, [bob, carol]);
    const base = `/api/v1/chats/${chatId}`;
    refused(await call(alice, 'DELETE', `${base}/participants/${alice.id}`), 409, 'CONFLICT');
    refused(
      await call(alice, 'PATCH', `${base}/participants/${alice.id}/role`, { role: 'member' }),
      409,
      'CONFLICT',
    );
    const promoted = await call(alice, 'PATCH', `${base}/participants/${bob.id}/role`, {
      role: 'admin',
    });
    assert.equal(promoted.status, 200);
    assert.equal((await call(alice, 'DELETE', `${base}/participants/${alice.id}`)).status, 200);
    refused(
      await call(bob, 'PATCH', `${base}/participants/${bob.id}/role`, { role: 'member' }),
      409,
      'CONFLICT',
    );
    const removed = await chatEvents.waitFor(
      'group.member.removed',
      (e) => e.chat_id === chatId && e.user_id === alice.id,
    );
    assert.equal(removed.removed_by, alice.id);
  });

  test('the 257th member is refused with 409', async () => {
    const chatId = await groupWith(alice, [bob, carol]);
    const extra = await Promise.all(Array.from({ length: 254 }, () => makeUser(pool)));
    const added = await call(alice, 'POST', `/api/v1/chats/${chatId}/participants`, {
      user_ids: extra.slice(0, 253).map((u) => u.id),
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.data.participant_count, 256);
    refused(
      await call(alice, 'POST', `/api/v1/chats/${chatId}/participants`, {
        user_ids: [extra[253].id],
      }),
      409,
      'CONFLICT',
    );
    const detail = await call(bob, 'GET', `/api/v1/chats/${chatId}`);
    assert.equal(detail.body.data.participants.length, 256);
  });

  test('bad input on every route is a 400 envelope', async () => {
    const chatId = await groupWith(alice, [bob, carol]);
    const base = `/api/v1/chats/${chatId}`;
    const cases: [Method, string, unknown][] = [
      ['POST', '/api/v1/chats', '{"type":'],
      ['POST', '/api/v1/chats', { type: 'direct', participant_id: 'nope' }],
      ['POST', '/api/v1/chats', { type: 'direct', participant_id: alice.id }],
      ['POST', '/api/v1/chats', { type: 'group', name: '', participant_ids: [bob.id, carol.id] }],
      ['POST', '/api/v1/chats', { type: 'group', name: 'G', participant_ids: [bob.id] }],
      [
        'POST',
        '/api/v1/chats',
        { type: 'group', name: 'G', participant_ids: [bob.id, carol.id], x: 1 },
      ],
      ['GET', '/api/v1/chats?limit=0', undefined],
      ['GET', '/api/v1/chats?cursor=garbage', undefined],
      ['GET', '/api/v1/chats/not-a-uuid', undefined],
      ['PATCH', base, { description: 'd'.repeat(513) }],
      ['PATCH', base, {}],
      ['PATCH', '/api/v1/chats/123', { name: 'x' }],
      ['PATCH', `${base}/mute`, { is_muted: true, mute_until: '2001-01-01T00:00:00Z' }],
      ['PATCH', `${base}/mute`, { is_muted: 'no' }],
      ['POST', `${base}/participants`, { user_ids: [] }],
      ['POST', `${base}/participants`, { user_ids: ['x'] }],
      ['DELETE', `${base}/participants/not-a-uuid`, undefined],
      ['PATCH', `${base}/participants/${bob.id}/role`, { role: 'owner' }],
      ['PATCH', `${base}/participants/not-a-uuid/role`, { role: 'admin' }],
    ];
    for (const [method, path, body] of cases) {
      const res = await call(alice, method, path, body);
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.status}`);
      refused(res, 400, 'VALIDATION_ERROR');
    }
    refused(
      await call(alice, 'POST', '/api/v1/chats', { type: 'direct', participant_id: randomUUID() }),
      404,
      'NOT_FOUND',
    );
  });

  test('requests without a valid token never reach the chat-service', async () => {
    refused(await call(undefined, 'GET', '/api/v1/chats'), 401, 'UNAUTHORIZED');
  });

  // The service tier checks this with a fake user-service; here the real GetUsers applies it.
  test('a group shows each member’s photo as the caller may see it (user-service privacy)', async () => {
    const [open, hidden, blocker] = await Promise.all(
      ['Open', 'Hidden', 'Blocker'].map((name) => login(name)),
    );
    for (const member of [open, hidden, blocker]) {
      const res = await call(member, 'PATCH', '/api/v1/users/me', {
        avatar_url: `https://cdn.example.com/${member.id}.jpg`,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const privacy = await call(hidden, 'PUT', '/api/v1/users/me/privacy', {
      profile_photo: 'nobody',
    });
    assert.equal(privacy.status, 200, JSON.stringify(privacy.body));
    const block = await call(blocker, 'POST', `/api/v1/users/${alice.id}/block`);
    assert.equal(block.status, 200, JSON.stringify(block.body));
    const chatId = await groupWith(alice, [open, hidden, blocker], 'Photos');
    const seen = await call(alice, 'GET', `/api/v1/chats/${chatId}`);
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    const avatars = new Map(
      (seen.body.data.participants as { id: string; avatar_url: string }[]).map((p) => [
        p.id,
        p.avatar_url,
      ]),
    );
    assert.equal(avatars.get(open.id), `https://cdn.example.com/${open.id}.jpg`);
    assert.equal(avatars.get(hidden.id), '', 'shown to nobody');
    assert.equal(avatars.get(blocker.id), '', 'they blocked the caller');
  });
});
