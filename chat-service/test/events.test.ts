import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import { captureEvents, makeGroupChat, startNatsServer, type EventCapture } from '@wa/pkg/testing';
import { caller, makeUsers, startChatApp, type ChatHarness } from './helpers.ts';

let h: ChatHarness;
let events: EventCapture;

before(async () => {
  h = await startChatApp();
  events = await captureEvents(h.nc, 'CHATS', '>');
});
after(async () => {
  await events.stop();
  await h?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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
    await sleep(300);
    const copies = events.events.filter(
      (e) => e.subject === 'chat.created' && e.payload.chat_id === chatId,
    );
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
    await sleep(300);
    assert.equal(
      events.events.filter((e) => e.subject === 'chat.updated' && e.payload.chat_id === chatId)
        .length,
      1,
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
    const { chatId, members } = await groupOf();
    const x = await h.makeUser();
    await caller(h, members[0]).post(`/api/v1/chats/${chatId}/participants`, { user_ids: [x.id] });
    await sleep(300);
    assert.equal(events.events.filter((e) => e.payload.chat_id === chatId).length, 0);
  });
});

test('a chat created while NATS is down has its event published once NATS is back', async () => {
  const nats = await startNatsServer();
  const isolated = await startChatApp({ natsUrl: nats.url, userService: h.userService });
  const table = isolated.outboxTable;
  try {
    await ensureStreams(await jetstreamManager(isolated.nc));
    const capture = await captureEvents(isolated.nc, 'CHATS', 'chat.>');
    await nats.stop();
    const [alice, bob] = await makeUsers(isolated, 2);
    const res = await caller(isolated, alice).post('/api/v1/chats', {
      type: 'direct',
      participant_id: bob.id,
    });
    assert.equal(res.status, 201, 'creating a chat does not need NATS');
    await sleep(1_500);
    const waiting = await isolated.pool.query(`SELECT attempts FROM ${table}`);
    assert.equal(waiting.rowCount, 1);

    await nats.start();
    const event = await capture.waitFor(
      'chat.created',
      (e) => e.chat_id === res.body.data.chat_id,
      15_000,
    );
    assert.equal(event.type, 'direct');
    await capture.stop();
    // The relay deletes the row once its transaction commits, a moment after the publish.
    const left = async () => (await isolated.pool.query(`SELECT 1 FROM ${table}`)).rowCount;
    for (let i = 0; i < 100 && (await left()) !== 0; i++) await sleep(50);
    assert.equal(await left(), 0);
  } finally {
    await isolated.close();
    await nats.destroy();
  }
});
