import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeGroupChat, type TestUser } from '@wa/pkg/testing';
import { caller, expectError, makeUsers, startChatApp, type ChatHarness } from './helpers.ts';

let h: ChatHarness;

before(async () => {
  h = await startChatApp();
});
after(async () => {
  await h?.close();
});

/** A group of `size` members in all: the returned admin plus members. */
async function groupOf(size = 3) {
  const [admin, ...members] = await makeUsers(h, size);
  const chat = await makeGroupChat(h.pool, {
    createdBy: admin.id,
    memberIds: members.map((m) => m.id),
  });
  return { chatId: chat.id, admin, members };
}

const participantsUrl = (chatId: string) => `/api/v1/chats/${chatId}/participants`;
const roleUrl = (chatId: string, userId: string) =>
  `/api/v1/chats/${chatId}/participants/${userId}/role`;

async function roles(chatId: string): Promise<Record<string, string>> {
  const { rows } = await h.pool.query<{ user_id: string; role: string }>(
    'SELECT user_id, role FROM chat_participants WHERE chat_id = $1',
    [chatId],
  );
  return Object.fromEntries(rows.map((r) => [r.user_id, r.role]));
}

describe('POST /api/v1/chats/:id/participants', () => {
  test('an admin adds members; ids already in the group and repeats are ignored', async () => {
    const { chatId, admin, members } = await groupOf();
    const [x, y] = await makeUsers(h, 2);
    const res = await caller(h, admin).post(participantsUrl(chatId), {
      user_ids: [x.id, members[0].id, y.id, x.id],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.data, { chat_id: chatId, added: [x.id, y.id], participant_count: 5 });
    assert.equal((await roles(chatId))[x.id], 'member');
    const again = await caller(h, admin).post(participantsUrl(chatId), { user_ids: [x.id] });
    assert.deepEqual(again.body.data.added, []);
  });

  test('refuses a 257th member with 409 and adds nobody', async () => {
    const { chatId, admin } = await groupOf(250);
    const seven = await makeUsers(h, 7);
    const res = await caller(h, admin).post(participantsUrl(chatId), {
      user_ids: seven.map((u) => u.id),
    });
    expectError(res, 409, 'CONFLICT');
    assert.match(res.body.error!.message, /256/);
    assert.equal(Object.keys(await roles(chatId)).length, 250);
    const six = await caller(h, admin).post(participantsUrl(chatId), {
      user_ids: seven.slice(0, 6).map((u) => u.id),
    });
    assert.equal(six.body.data.participant_count, 256);
    const oneMore = await caller(h, admin).post(participantsUrl(chatId), {
      user_ids: [seven[6].id],
    });
    expectError(oneMore, 409, 'CONFLICT');
  });

  test('two admins adding at once cannot pass 256 together', async () => {
    const { chatId, admin, members } = await groupOf(254);
    await h.pool.query(
      "UPDATE chat_participants SET role = 'admin' WHERE chat_id = $1 AND user_id = $2",
      [chatId, members[0].id],
    );
    const [a, b, c, d] = await makeUsers(h, 4);
    const results = await Promise.all([
      caller(h, admin).post(participantsUrl(chatId), { user_ids: [a.id, b.id] }),
      caller(h, members[0]).post(participantsUrl(chatId), { user_ids: [c.id, d.id] }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    assert.equal(Object.keys(await roles(chatId)).length, 256);
  });

  test('refuses a member (403), an outsider (404), unknown users (404) and a direct chat (409)', async () => {
    const { chatId, admin, members } = await groupOf();
    const newcomer = await h.makeUser();
    expectError(
      await caller(h, members[0]).post(participantsUrl(chatId), { user_ids: [newcomer.id] }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await caller(h, newcomer).post(participantsUrl(chatId), { user_ids: [newcomer.id] }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await caller(h, admin).post(participantsUrl(chatId), { user_ids: [randomUUID()] }),
      404,
      'NOT_FOUND',
    );
    const other = await h.makeUser();
    const direct = await caller(h, admin).post('/api/v1/chats', {
      type: 'direct',
      participant_id: other.id,
    });
    expectError(
      await caller(h, admin).post(participantsUrl(direct.body.data.chat_id), {
        user_ids: [newcomer.id],
      }),
      409,
      'CONFLICT',
    );
  });

  test('refuses bad input', async () => {
    const { chatId, admin } = await groupOf();
    for (const body of [
      {},
      { user_ids: [] },
      { user_ids: ['nope'] },
      { user_ids: 'x' },
      { user_ids: [randomUUID()], role: 'admin' },
    ]) {
      expectError(
        await caller(h, admin).post(participantsUrl(chatId), body),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await caller(h, admin).post(participantsUrl('123'), { user_ids: [randomUUID()] }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('DELETE /api/v1/chats/:id/participants/:userId', () => {
  test('an admin removes a member; a member leaves by removing themselves', async () => {
    const { chatId, admin, members } = await groupOf(4);
    const removed = await caller(h, admin).delete(`${participantsUrl(chatId)}/${members[0].id}`);
    assert.deepEqual(removed.body.data, { chat_id: chatId, user_id: members[0].id, left: false });
    const left = await caller(h, members[1]).delete(`${participantsUrl(chatId)}/${members[1].id}`);
    assert.deepEqual(left.body.data, { chat_id: chatId, user_id: members[1].id, left: true });
    assert.deepEqual(Object.keys(await roles(chatId)).sort(), [admin.id, members[2].id].sort());
    // Gone members see the chat no more.
    expectError(await caller(h, members[1]).get(`/api/v1/chats/${chatId}`), 404, 'NOT_FOUND');
  });

  test('a member cannot remove someone else (403)', async () => {
    const { chatId, admin, members } = await groupOf();
    expectError(
      await caller(h, members[0]).delete(`${participantsUrl(chatId)}/${members[1].id}`),
      403,
      'FORBIDDEN',
    );
    expectError(
      await caller(h, members[0]).delete(`${participantsUrl(chatId)}/${admin.id}`),
      403,
      'FORBIDDEN',
    );
  });

  test('the last admin cannot leave (409) until another admin exists', async () => {
    const { chatId, admin, members } = await groupOf();
    const self = `${participantsUrl(chatId)}/${admin.id}`;
    expectError(await caller(h, admin).delete(self), 409, 'CONFLICT');
    await caller(h, admin).patch(roleUrl(chatId, members[0].id), { role: 'admin' });
    const left = await caller(h, admin).delete(self);
    assert.equal(left.status, 200);
    assert.deepEqual(await roles(chatId), { [members[0].id]: 'admin', [members[1].id]: 'member' });
  });

  test('removing a non-member is 404; an outsider gets 404; bad ids 400', async () => {
    const { chatId, admin } = await groupOf();
    const stranger = await h.makeUser();
    expectError(
      await caller(h, admin).delete(`${participantsUrl(chatId)}/${stranger.id}`),
      404,
      'NOT_FOUND',
    );
    expectError(
      await caller(h, stranger).delete(`${participantsUrl(chatId)}/${stranger.id}`),
      404,
      'NOT_FOUND',
    );
    expectError(
      await caller(h, admin).delete(`${participantsUrl(chatId)}/not-a-uuid`),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('PATCH /api/v1/chats/:id/participants/:userId/role', () => {
  test('an admin promotes and demotes', async () => {
    const { chatId, admin, members } = await groupOf();
    const promoted = await caller(h, admin).patch(roleUrl(chatId, members[0].id), {
      role: 'admin',
    });
    assert.deepEqual(promoted.body.data, {
      chat_id: chatId,
      user_id: members[0].id,
      role: 'admin',
    });
    const demoted = await caller(h, members[0]).patch(roleUrl(chatId, admin.id), {
      role: 'member',
    });
    assert.equal(demoted.status, 200);
    assert.deepEqual(await roles(chatId), {
      [admin.id]: 'member',
      [members[0].id]: 'admin',
      [members[1].id]: 'member',
    });
  });

  test('the last admin cannot be demoted (409), not even by themselves', async () => {
    const { chatId, admin } = await groupOf();
    expectError(
      await caller(h, admin).patch(roleUrl(chatId, admin.id), { role: 'member' }),
      409,
      'CONFLICT',
    );
  });

  test('two admins demoting each other at once leave one admin', async () => {
    const { chatId, admin, members } = await groupOf();
    await caller(h, admin).patch(roleUrl(chatId, members[0].id), { role: 'admin' });
    const results = await Promise.all([
      caller(h, admin).patch(roleUrl(chatId, members[0].id), { role: 'member' }),
      caller(h, members[0]).patch(roleUrl(chatId, admin.id), { role: 'member' }),
    ]);
    // Whoever goes second is no longer an admin when their turn comes.
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 403]);
    const admins = Object.values(await roles(chatId)).filter((r) => r === 'admin');
    assert.equal(admins.length, 1);
  });

  test('refuses a member (403), a non-member target (404), bad roles (400)', async () => {
    const { chatId, admin, members } = await groupOf();
    expectError(
      await caller(h, members[0]).patch(roleUrl(chatId, members[1].id), { role: 'admin' }),
      403,
      'FORBIDDEN',
    );
    const stranger: TestUser = await h.makeUser();
    expectError(
      await caller(h, admin).patch(roleUrl(chatId, stranger.id), { role: 'admin' }),
      404,
      'NOT_FOUND',
    );
    for (const body of [{ role: 'owner' }, {}, { role: 'admin', reason: 'x' }]) {
      expectError(
        await caller(h, admin).patch(roleUrl(chatId, members[0].id), body),
        400,
        'VALIDATION_ERROR',
      );
    }
  });
});
