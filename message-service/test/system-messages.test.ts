/* eslint-disable @typescript-eslint/no-unsafe-return -- envelope data is untyped JSON */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  eventMeta,
  jetstream,
  publishEvent,
  type EventConsumer,
  type EventPayload,
} from '@wa/pkg/bus';
import { MessageService, UserService, createGrpcClient } from '@wa/pkg/grpc';
import {
  captureEvents,
  eventually,
  freePort,
  testLogger,
  type EventCapture,
  type TestUser,
} from '@wa/pkg/testing';
import { consumeChatEvents, handleChatEvent } from '../src/handler/chat-events.ts';
import { createUserRemote } from '../src/repository/user-remote.ts';
import {
  createSystemMessages,
  planSystemNotices,
  renderNotice,
  systemClientMsgId,
  type GroupChange,
  type SystemMessages,
} from '../src/service/system-messages.ts';
import { call, startMessageApp, text, type Data, type MessageHarness } from './helpers.ts';

const log = testLogger('message-service');
let h: MessageHarness;
let systemMessages: SystemMessages;
let consumer: EventConsumer;
let published: EventCapture;
/** The CHATS stream is shared with every other test run: only groups of these users get notices. */
const ourUsers = new Set<string>();

const isOurs = (change: GroupChange): boolean =>
  change.subject === 'chat.created'
    ? change.payload.participants.some((p) => ourUsers.has(p.user_id))
    : change.payload.participant_ids.some((id) => ourUsers.has(id));

before(async () => {
  h = await startMessageApp();
  const users = createGrpcClient(UserService, { address: h.userServer.address, timeoutMs: 2_000 });
  systemMessages = createSystemMessages({ send: h.send, users: createUserRemote(users), log });
  published = await captureEvents(h.nc, 'msg.new');
  // As main.ts runs it, on a durable of its own that NATS deletes a minute after the test.
  consumer = await consumeChatEvents({
    nc: h.nc,
    durable: `message-system-test-${randomUUID().slice(0, 8)}`,
    inactiveThresholdMs: 60_000,
    systemMessages: {
      record: (change, delivery) =>
        isOurs(change) ? systemMessages.record(change, delivery) : Promise.resolve(0),
    },
    log,
  });
});
after(async () => {
  await consumer?.stop();
  await published?.stop();
  await h?.close();
});

async function person(display_name: string): Promise<TestUser> {
  const user = h.makeUser({ display_name });
  ourUsers.add(user.id);
  return user;
}

/**
 * The chat-service's side of a group change: the new membership in its GetParticipants (the fake)
 * and the event it publishes after the commit, with the members after the change
 * (chat-service/src/service/*; chat-service/test/events.test.ts checks it publishes these).
 */
const chatService = {
  members: (chatId: string) => h.chats.chat(chatId)!.participants.map((p) => p.userId),
  async createGroup(creatorId: string, name: string, memberIds: string[]): Promise<string> {
    const chat = h.chats.add(randomUUID(), 'group', [creatorId, ...memberIds]);
    await publishEvent(jetstream(h.nc), 'chat.created', {
      ...eventMeta(),
      chat_id: chat.chatId,
      type: 'group',
      name,
      created_by: creatorId,
      participants: chat.participants.map((p) => ({ user_id: p.userId, role: p.role })),
    });
    return chat.chatId;
  },
  async addMember(chatId: string, userId: string, addedBy: string) {
    h.chats.chat(chatId)!.participants.push({ userId, role: 'member' });
    await publishEvent(jetstream(h.nc), 'group.member.added', {
      ...eventMeta(),
      chat_id: chatId,
      user_id: userId,
      added_by: addedBy,
      participant_ids: chatService.members(chatId),
    });
  },
  async update(
    chatId: string,
    updatedBy: string,
    changes: EventPayload<'chat.updated'>['changes'],
  ) {
    const chat = h.chats.chat(chatId)!;
    if (changes.is_admin_only !== undefined) chat.isAdminOnly = changes.is_admin_only;
    const { role } = changes;
    if (role) for (const p of chat.participants) if (p.userId === role.user_id) p.role = role.role;
    await publishEvent(jetstream(h.nc), 'chat.updated', {
      ...eventMeta(),
      chat_id: chatId,
      updated_by: updatedBy,
      changes,
      participant_ids: chatService.members(chatId),
    });
  },
};

/** The chat's system messages as `viewerId` sees them in the history, oldest first. */
async function notices(chatId: string, viewerId: string): Promise<Data[]> {
  const { status, data } = await call(h, viewerId, 'GET', `/api/v1/chats/${chatId}/messages`);
  assert.equal(status, 200);
  return (data.messages as Data[]).filter((m) => m.type === 'system').reverse();
}

const waitForNotices = (chatId: string, viewerId: string, count: number) =>
  eventually(
    async () => {
      const found = await notices(chatId, viewerId);
      assert.ok(found.length >= count, JSON.stringify(found.map((m) => m.payload.body)));
      return found;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );

const memberAdded = (
  payload: Omit<EventPayload<'group.member.added'>, 'event_id' | 'timestamp'>,
): Extract<GroupChange, { subject: 'group.member.added' }> => ({
  subject: 'group.member.added',
  payload: { event_id: randomUUID(), timestamp: new Date().toISOString(), ...payload },
});

test('group changes the chat-service publishes appear as system messages in the history', async () => {
  const [alice, bob, carol, dave] = await Promise.all(
    ['Alice', 'Bob', 'Carol', 'Dave'].map((name) => person(name)),
  );
  const chat = await chatService.createGroup(alice.id, 'Family', [bob.id, carol.id]);
  await chatService.addMember(chat, dave.id, alice.id);
  await h.removeMember(chat, carol.id, alice.id);
  await chatService.update(chat, alice.id, { name: 'Family 2', is_admin_only: true });
  // A plain member of an admin-only group leaving still gets its notice.
  await h.removeMember(chat, bob.id, bob.id);
  await chatService.update(chat, alice.id, { role: { user_id: dave.id, role: 'admin' } });

  const found = await waitForNotices(chat, alice.id, 7);
  const bodies = found.map((m) => m.payload.body as string);
  assert.deepEqual(bodies.slice(0, 3), [
    'Alice created group "Family"',
    'Alice added Dave',
    'Alice removed Carol',
  ]);
  // One chat.updated with two changes: two notices at the same instant, in either order.
  assert.deepEqual(
    new Set(bodies.slice(3, 5)),
    new Set([
      'Alice changed the group name to "Family 2"',
      "Alice changed this group's settings to allow only admins to send messages to this group",
    ]),
  );
  assert.deepEqual(bodies.slice(5), ['Bob left', 'Alice made Dave an admin']);
  for (const message of found) {
    assert.equal(message.sender_id, message.payload.body === 'Bob left' ? bob.id : alice.id);
    assert.equal(message.chat_id, chat);
  }
  assert.equal((await notices(chat, dave.id)).length, 7, 'a member added later sees them too');
  const forEveryone = await h.app.inject({
    method: 'DELETE',
    url: `/api/v1/messages/${found[0].message_id as string}?for=everyone`,
    headers: { 'x-user-id': alice.id },
  });
  assert.equal(forEveryone.statusCode, 403, 'a notice cannot be deleted for everyone');

  // Delivered like any message: msg.new to the members at the time, the actor excepted.
  const left = await published.waitFor(
    'msg.new',
    (e) => e.chat_id === chat && e.payload.body === 'Bob left',
  );
  assert.equal(left.type, 'system');
  assert.equal(left.sender_id, bob.id);
  assert.deepEqual([...left.recipient_ids].sort(), [alice.id, dave.id].sort());
  const removed = await published.waitFor(
    'msg.new',
    (e) => e.chat_id === chat && e.payload.body === 'Alice removed Carol',
  );
  assert.deepEqual([...removed.recipient_ids].sort(), [bob.id, dave.id].sort());
});

test('a redelivered event makes one system message and one msg.new', async () => {
  const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => person(n)));
  const chat = h.makeGroupChat({ createdBy: alice.id, memberIds: [bob.id, carol.id] });
  const change = memberAdded({
    chat_id: chat.id,
    user_id: carol.id,
    added_by: alice.id,
    participant_ids: chat.memberIds,
  });
  const handle = handleChatEvent(systemMessages);
  await handle({ ...change, redelivered: false, deliveries: 1 });
  await handle({ ...change, redelivered: true, deliveries: 2 });
  await Promise.all([2, 3].map((n) => handle({ ...change, redelivered: true, deliveries: n })));

  const stored = await h.store.history(chat.id, alice.id, undefined, 100);
  assert.equal(stored.length, 1);
  const found = await notices(chat.id, bob.id);
  assert.deepEqual(
    found.map((m) => m.payload.body),
    ['Alice added Carol'],
  );
  await h.relay.flush();
  await published.waitFor('msg.new', (e) => e.chat_id === chat.id);
  // A later message of the chat is published behind any second copy of the notice.
  const later = await call(h, alice.id, 'POST', `/api/v1/chats/${chat.id}/messages`, text('hi'));
  assert.equal(later.status, 201, JSON.stringify(later.body));
  await published.waitFor('msg.new', (e) => e.message_id === later.data.message.message_id);
  assert.deepEqual(
    published.events.filter((e) => e.payload.chat_id === chat.id).map((e) => e.payload.type),
    ['system', 'text'],
  );
});

test('names fall back to the phone number, then to "Someone"', async () => {
  const nameless = await person('');
  const change = memberAdded({
    chat_id: randomUUID(),
    user_id: randomUUID(),
    added_by: nameless.id,
    participant_ids: [nameless.id],
  });
  assert.equal(await systemMessages.record(change), 1);
  const stored = await h.store.findByClientId(
    nameless.id,
    systemClientMsgId(change.payload.event_id, 'added'),
  );
  assert.equal(stored?.payload.body, `${nameless.phone} added Someone`);
  assert.equal(stored?.sender_id, nameless.id);
  assert.deepEqual(stored?.status, {}, 'nobody else is in the chat');
});

test('an unreachable user-service fails the first deliveries, then the notice says "Someone"', async () => {
  const closed = await freePort();
  const offline = createSystemMessages({
    send: h.send,
    users: createUserRemote(
      createGrpcClient(UserService, { address: `127.0.0.1:${closed}`, timeoutMs: 500 }),
    ),
    log,
  });
  const alice = await person('Alice');
  const change = memberAdded({
    chat_id: randomUUID(),
    user_id: randomUUID(),
    added_by: alice.id,
    participant_ids: [alice.id],
  });
  await assert.rejects(offline.record(change, 1), { code: 'SERVICE_UNAVAILABLE' });
  await assert.rejects(offline.record(change, 2));
  assert.equal(await offline.record(change, 3), 1);
  const stored = await h.store.findByClientId(
    alice.id,
    systemClientMsgId(change.payload.event_id, 'added'),
  );
  assert.equal(stored?.payload.body, 'Someone added Someone');
});

test('clients cannot send or forward system messages over REST or gRPC', async () => {
  const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => person(n)));
  const chat = h.makeGroupChat({ createdBy: alice.id, memberIds: [bob.id, carol.id] });
  const system = {
    client_msg_id: randomUUID(),
    type: 'system',
    payload: { body: 'Alice added Eve' },
  };
  const rest = await call(h, alice.id, 'POST', `/api/v1/chats/${chat.id}/messages`, system);
  assert.equal(rest.status, 400);
  assert.equal(rest.body.error?.code, 'VALIDATION_ERROR');

  const client = createGrpcClient(MessageService, { address: h.grpcAddress, timeoutMs: 5_000 });
  const grpcCode = await client
    .sendMessage({
      chatId: chat.id,
      senderId: alice.id,
      type: 'system',
      payload: new TextEncoder().encode(JSON.stringify(system.payload)),
      clientMsgId: randomUUID(),
      replyToMessageId: '',
    })
    .then(
      () => undefined,
      (error: unknown) => ConnectError.from(error).code,
    );
  assert.equal(grpcCode, Code.InvalidArgument);

  await systemMessages.record(
    memberAdded({
      chat_id: chat.id,
      user_id: carol.id,
      added_by: alice.id,
      participant_ids: chat.memberIds,
    }),
  );
  const [notice] = await notices(chat.id, bob.id);
  const forwarded = await call(h, bob.id, 'POST', `/api/v1/messages/${notice.message_id}/forward`, {
    target_chat_ids: [chat.id],
  });
  assert.equal(forwarded.status, 400);
  const sent = await call(h, bob.id, 'POST', `/api/v1/chats/${chat.id}/messages`, text('hi'));
  assert.equal(sent.status, 201, 'ordinary messages still go through');
  const messages = await call(h, bob.id, 'GET', `/api/v1/chats/${chat.id}/messages`);
  assert.deepEqual(
    (messages.data.messages as Data[]).map((m) => m.type),
    ['text', 'system'],
  );
});

describe('notice wording', () => {
  const [actor, target] = [randomUUID(), randomUUID()];
  const names = new Map<string, string>([
    [actor, 'Alice'],
    [target, 'Bob'],
  ]);
  const nameOf = (id: string) => names.get(id) ?? 'Someone';
  const updated = (
    changes: EventPayload<'chat.updated'>['changes'],
    updatedBy: string = actor,
  ): GroupChange => ({
    subject: 'chat.updated',
    payload: {
      event_id: randomUUID(),
      timestamp: '2025-01-31T12:00:00.000Z',
      chat_id: randomUUID(),
      updated_by: updatedBy,
      changes,
      participant_ids: [actor, target],
    },
  });
  const say = (change: GroupChange) =>
    planSystemNotices(change).map((n) => renderNotice(n.text, n.actorId, nameOf));

  test('each changed setting is its own notice', () => {
    assert.deepEqual(say(updated({ description: 'new', avatar_url: 'https://x/y.png' })), [
      'Alice changed the group description',
      "Alice changed this group's icon",
    ]);
    assert.deepEqual(say(updated({ description: '', avatar_url: '' })), [
      'Alice deleted the group description',
      "Alice deleted this group's icon",
    ]);
    assert.deepEqual(say(updated({ is_admin_only: false })), [
      "Alice changed this group's settings to allow all participants to send messages to this group",
    ]);
    assert.deepEqual(say(updated({})), []);
  });

  test('role changes name the member, or say the actor stepped down', () => {
    assert.deepEqual(say(updated({ role: { user_id: target, role: 'admin' } })), [
      'Alice made Bob an admin',
    ]);
    assert.deepEqual(say(updated({ role: { user_id: target, role: 'member' } })), [
      'Alice dismissed Bob as admin',
    ]);
    assert.deepEqual(say(updated({ role: { user_id: actor, role: 'member' } })), [
      'Alice is no longer an admin',
    ]);
  });

  test('recipients are the members the event names, without the actor; when is the event time', () => {
    const [notice] = planSystemNotices(updated({ name: 'X' }));
    assert.deepEqual(notice.recipientIds, [target]);
    assert.equal(notice.at.toISOString(), '2025-01-31T12:00:00.000Z');
  });

  test('a direct chat makes no notice', () => {
    const created: GroupChange = {
      subject: 'chat.created',
      payload: {
        event_id: randomUUID(),
        timestamp: new Date().toISOString(),
        chat_id: randomUUID(),
        type: 'direct',
        name: '',
        created_by: actor,
        participants: [
          { user_id: actor, role: 'member' },
          { user_id: target, role: 'member' },
        ],
      },
    };
    assert.deepEqual(planSystemNotices(created), []);
  });
});
