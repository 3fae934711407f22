import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import {
  captureEvents,
  eventually,
  makeGroupChat,
  makeUser,
  startNatsServer,
  using,
  type EventCapture,
} from '@wa/pkg/testing';
import { caller, makeUsers, startChatApp, type ChatHarness } from './helpers.ts';

let h: ChatHarness;
let events: EventCapture;

before(async () => {
  h = await startChatApp();
  events = await captureEvents(h.nc, ['chat.>', 'group.>']);
});
after(async () => {
  await events.stop();
  await h?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A change of `chatId` that is announced, made after the action under test. The relay publishes
 * the outbox in commit order, so once the marker's chat.updated arrived, anything the action
 * announced has too: the test may then assert that it announced nothing (more).
 */
async function marker(admin: { id: string }, chatId: string): Promise<string> {
  const description = `marker ${randomUUID()}`;
  const res = await caller(h, admin).patch(`/api/v1/chats/${chatId}`, { description });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const event = await events.waitFor(
    'chat.updated',
    (e) => e.chat_id === chatId && e.changes.description === description,
  );
  return event.event_id;
}

const eventsOf = (subject: string, chatId: string) =>
  events.events.filter((e) => e.subject === subject && e.payload.chat_id === chatId);

async function groupOf(size = 3) {
  const [admin, ...members] = await makeUsers(h, size);
  const chat = await makeGroupChat(h.pool, {
    createdBy: admin.id,
    memberIds: members.map((m) => m.id),
  });
  return { chatId: chat.id, admin, members };
}

describe('events on the CHATS stream', () => {
  test('chat.created once per direct chat, however many create it at once', async () => {
    const [alice, bob] = await makeUsers(h, 2);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        caller(h, i % 2 ? alice : bob).post('/api/v1/chats', {
          type: 'direct',
          participant_id: i % 2 ? bob.id : alice.id,
        }),
      ),
    );
    const chatId = results[0].body.data.chat_id;
    const event = await events.waitFor('chat.created', (e) => e.chat_id === chatId);
    assert.equal(event.type, 'direct');
    assert.equal(event.name, '');
    assert.match(event.event_id, UUID);
    assert.ok(!Number.isNaN(Date.parse(event.timestamp)));
    assert.deepEqual(event.participants.map((p) => p.user_id).sort(), [alice.id, bob.id].sort());
    // A chat created afterwards is announced behind any second chat.created of this one.
    const carol = await makeUser(h.pool);
    const later = await caller(h, alice).post('/api/v1/chats', {
      type: 'direct',
      participant_id: carol.id,
    });
    await events.waitFor('chat.created', (e) => e.chat_id === later.body.data.chat_id);
    const copies = eventsOf('chat.created', chatId);
    assert.equal(copies.length, 1);
    assert.equal(copies[0].msgId, event.event_id, 'event_id is the JetStream message id');
  });

  test('chat.created for a group names the creator and every participant with their role', async () => {
    const creator = await h.makeUser();
    const [a, b] = await makeUsers(h, 2);
    const res = await caller(h, creator).post('/api/v1/chats', {
      type: 'group',
      name: 'Team',
      participant_ids: [a.id, b.id],
    });
    const event = await events.waitFor('chat.created', (e) => e.chat_id === res.body.data.chat_id);
    assert.equal(event.name, 'Team');
    assert.equal(event.created_by, creator.id);
    assert.deepEqual(Object.fromEntries(event.participants.map((p) => [p.user_id, p.role])), {
      [creator.id]: 'admin',
      [a.id]: 'member',
      [b.id]: 'member',
    });
  });

  test('chat.updated carries only what changed, and nothing is sent when nothing changed', async () => {
    const { chatId, admin, members } = await groupOf();
    await caller(h, admin).patch(`/api/v1/chats/${chatId}`, {
      name: 'Test Group',
      is_admin_only: true,
    });
    const event = await events.waitFor('chat.updated', (e) => e.chat_id === chatId);
    assert.deepEqual(event.changes, { is_admin_only: true });
    assert.equal(event.updated_by, admin.id);
    assert.deepEqual(event.participant_ids.sort(), [admin.id, ...members.map((m) => m.id)].sort());
    await caller(h, admin).patch(`/api/v1/chats/${chatId}`, { is_admin_only: true });
    const markerId = await marker(admin, chatId);
    assert.deepEqual(
      eventsOf('chat.updated', chatId).map((e) => e.payload.event_id),
      [event.event_id, markerId],
    );
  });

  test('group.member.added per new member, group.member.removed for a removal and a leave', async () => {
    const { chatId, admin, members } = await groupOf();
    const [x, y] = await makeUsers(h, 2);
    await caller(h, admin).post(`/api/v1/chats/${chatId}/participants`, { user_ids: [x.id, y.id] });
    const addedX = await events.waitFor(
      'group.member.added',
      (e) => e.chat_id === chatId && e.user_id === x.id,
    );
    await events.waitFor('group.member.added', (e) => e.chat_id === chatId && e.user_id === y.id);
    assert.equal(addedX.added_by, admin.id);
    assert.equal(addedX.participant_ids.length, 5);

    await caller(h, admin).delete(`/api/v1/chats/${chatId}/participants/${x.id}`);
    const removed = await events.waitFor(
      'group.member.removed',
      (e) => e.chat_id === chatId && e.user_id === x.id,
    );
    assert.equal(removed.removed_by, admin.id);
    assert.ok(!removed.participant_ids.includes(x.id));

    await caller(h, members[0]).delete(`/api/v1/chats/${chatId}/participants/${members[0].id}`);
    const left = await events.waitFor(
      'group.member.removed',
      (e) => e.chat_id === chatId && e.user_id === members[0].id,
    );
    assert.equal(left.removed_by, members[0].id);
  });

  test('a role change is a chat.updated with changes.role', async () => {
    const { chatId, admin, members } = await groupOf();
    await caller(h, admin).patch(`/api/v1/chats/${chatId}/participants/${members[1].id}/role`, {
      role: 'admin',
    });
    const event = await events.waitFor('chat.updated', (e) => e.chat_id === chatId);
    assert.deepEqual(event.changes, { role: { user_id: members[1].id, role: 'admin' } });
  });

  test('a refused change publishes nothing', async () => {
    const { chatId, admin, members } = await groupOf();
    const x = await h.makeUser();
    const refused = await caller(h, members[0]).post(`/api/v1/chats/${chatId}/participants`, {
      user_ids: [x.id],
    });
    assert.equal(refused.status, 403);
    const markerId = await marker(admin, chatId);
    assert.deepEqual(
      events.events.filter((e) => e.payload.chat_id === chatId).map((e) => e.payload.event_id),
      [markerId],
    );
  });
});

test('a chat created while NATS is down has its event published once NATS is back', async (t) => {
  const nats = using(t, await startNatsServer(), (server) => server.destroy());
  const isolated = using(t, await startChatApp({ natsUrl: nats.url, userService: h.userService }));
  const table = isolated.outboxTable;
  await ensureStreams(await jetstreamManager(isolated.nc));
  const capture = using(t, await captureEvents(isolated.nc, 'chat.>'));
  await nats.stop();
  const [alice, bob] = await makeUsers(isolated, 2);
  const res = await caller(isolated, alice).post('/api/v1/chats', {
    type: 'direct',
    participant_id: bob.id,
  });
  assert.equal(res.status, 201, 'creating a chat does not need NATS');
  // The relay has tried (and failed) to publish it: the row is still there, counting attempts.
  await eventually(async () => {
    const waiting = await isolated.pool.query<{ attempts: number }>(
      `SELECT attempts FROM ${table}`,
    );
    assert.equal(waiting.rowCount, 1);
    assert.ok(waiting.rows[0].attempts > 0, 'not tried yet');
  });

  await nats.start();
  const event = await capture.waitFor(
    'chat.created',
    (e) => e.chat_id === res.body.data.chat_id,
    15_000,
  );
  assert.equal(event.type, 'direct');
  // The relay deletes the row once its transaction commits, a moment after the publish.
  await eventually(async () =>
    assert.equal((await isolated.pool.query(`SELECT 1 FROM ${table}`)).rowCount, 0),
  );
});
