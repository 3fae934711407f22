import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeUser } from '@wa/pkg/testing';
import type { ChatDetail } from '../src/model/schemas.ts';
import {
  caller,
  createGroup,
  expectError,
  makeUsers,
  startChatApp,
  type ChatHarness,
} from './helpers.ts';

let h: ChatHarness;

before(async () => {
  h = await startChatApp();
});
after(async () => {
  await h.close();
});

describe('GET /api/v1/chats/:id', () => {
  test('shows a member the chat and hides it from anyone else as 404', async () => {
    const creator = await makeUser(h.pool);
    const { chat, members } = await createGroup(h, creator);
    const seen = await caller(h, members[0]).get(`/api/v1/chats/${chat.chat_id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.data.chat_id, chat.chat_id);
    assert.equal(seen.body.data.unread_count, 0);
    assert.equal(seen.body.data.is_muted, false);

    const outsider = await makeUser(h.pool);
    const hidden = await caller(h, outsider).get(`/api/v1/chats/${chat.chat_id}`);
    const missing = await caller(h, outsider).get(`/api/v1/chats/${randomUUID()}`);
    expectError(hidden, 404, 'NOT_FOUND');
    expectError(missing, 404, 'NOT_FOUND');
    assert.equal(hidden.body.error!.message, missing.body.error!.message);
  });

  test('refuses a malformed id with 400', async () => {
    const user = await makeUser(h.pool);
    const res = await caller(h, user).get('/api/v1/chats/not-a-uuid');
    expectError(res, 400, 'VALIDATION_ERROR');
    assert.equal(res.body.error!.details![0].field, 'params.id');
  });

  test('still answers, with empty profile fields, when the user-service is down', async () => {
    const degraded = await startChatApp({ userServiceAddress: '127.0.0.1:1' });
    try {
      const creator = await makeUser(degraded.pool, { display_name: 'Alice' });
      const [a, b] = await makeUsers(degraded.pool, 2);
      const res = await caller(degraded, creator).post('/api/v1/chats', {
        type: 'group',
        name: 'G',
        participant_ids: [a.id, b.id],
      });
      assert.equal(res.status, 201);
      assert.deepEqual(
        (res.body.data as ChatDetail).participants.map((p) => p.display_name),
        ['', '', ''],
      );
    } finally {
      await degraded.close();
    }
  });

  test('resolves every member profile with one GetUsers call', async () => {
    const creator = await makeUser(h.pool);
    const { chat } = await createGroup(h, creator, 10);
    const before = h.userCalls.length;
    await caller(h, creator).get(`/api/v1/chats/${chat.chat_id}`);
    assert.equal(h.userCalls.length, before + 1);
    assert.equal(h.userCalls.at(-1)!.length, 11);
  });
});

describe('PATCH /api/v1/chats/:id', () => {
  test('lets an admin change name, description, avatar and admin-only posting', async () => {
    const creator = await makeUser(h.pool);
    const { chat } = await createGroup(h, creator);
    const res = await caller(h, creator).patch(`/api/v1/chats/${chat.chat_id}`, {
      name: '  Renamed  ',
      description: 'New text',
      avatar_url: '',
      is_admin_only: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.name, 'Renamed');
    assert.equal(res.body.data.description, 'New text');
    assert.equal(res.body.data.avatar_url, '');
    assert.equal(res.body.data.is_admin_only, true);
  });

  test('refuses a member (403), an outsider (404) and a direct chat (409)', async () => {
    const creator = await makeUser(h.pool);
    const { chat, members } = await createGroup(h, creator);
    expectError(
      await caller(h, members[0]).patch(`/api/v1/chats/${chat.chat_id}`, { name: 'Mine' }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await caller(h, await makeUser(h.pool)).patch(`/api/v1/chats/${chat.chat_id}`, {
        name: 'Mine',
      }),
      404,
      'NOT_FOUND',
    );
    const [a, b] = await makeUsers(h.pool, 2);
    const direct = await caller(h, a).post('/api/v1/chats', {
      type: 'direct',
      participant_id: b.id,
    });
    expectError(
      await caller(h, a).patch(`/api/v1/chats/${direct.body.data.chat_id}`, { name: 'Us' }),
      409,
      'CONFLICT',
    );
  });

  test('refuses an empty body, unknown fields and bad values', async () => {
    const creator = await makeUser(h.pool);
    const { chat } = await createGroup(h, creator);
    const url = `/api/v1/chats/${chat.chat_id}`;
    for (const body of [
      {},
      { topic: 'x' },
      { name: '' },
      { name: 'n'.repeat(101) },
      { description: 'd'.repeat(513) },
      { is_admin_only: 'yes' },
      { avatar_url: 'ftp://x/y.png' },
    ]) {
      expectError(await caller(h, creator).patch(url, body), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('PATCH /api/v1/chats/:id/mute', () => {
  test('mutes indefinitely, until a time, and unmutes', async () => {
    const creator = await makeUser(h.pool);
    const { chat, members } = await createGroup(h, creator);
    const url = `/api/v1/chats/${chat.chat_id}/mute`;
    const me = caller(h, members[1]);
    const forever = await me.patch(url, { is_muted: true });
    assert.deepEqual(forever.body.data, {
      chat_id: chat.chat_id,
      is_muted: true,
      mute_until: null,
    });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const timed = await me.patch(url, { is_muted: true, mute_until: until });
    assert.equal(timed.body.data.mute_until, until);
    assert.equal((await me.get(`/api/v1/chats/${chat.chat_id}`)).body.data.is_muted, true);
    assert.equal(
      (await caller(h, creator).get(`/api/v1/chats/${chat.chat_id}`)).body.data.is_muted,
      false,
    );
    const off = await me.patch(url, { is_muted: false });
    assert.deepEqual(off.body.data, { chat_id: chat.chat_id, is_muted: false, mute_until: null });
  });

  test('refuses a past or malformed mute_until, mute_until when unmuting, and outsiders', async () => {
    const creator = await makeUser(h.pool);
    const { chat } = await createGroup(h, creator);
    const url = `/api/v1/chats/${chat.chat_id}/mute`;
    const me = caller(h, creator);
    const past = new Date(Date.now() - 1_000).toISOString();
    const future = new Date(Date.now() + 60_000).toISOString();
    for (const body of [
      { is_muted: true, mute_until: past },
      { is_muted: true, mute_until: 'tomorrow' },
      { is_muted: false, mute_until: future },
      { is_muted: 'yes' },
      {},
      { is_muted: true, forever: true },
    ]) {
      expectError(await me.patch(url, body), 400, 'VALIDATION_ERROR');
    }
    expectError(
      await caller(h, await makeUser(h.pool)).patch(url, { is_muted: true }),
      404,
      'NOT_FOUND',
    );
  });
});
