import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually } from '@wa/pkg/testing';
import type { ChatDetail, ChatList } from '../src/model/schemas.ts';
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
  await h?.close();
});

describe('GET /api/v1/chats/:id', () => {
  test('shows a member the chat and hides it from anyone else as 404', async () => {
    const creator = await h.makeUser();
    const { chat, members } = await createGroup(h, creator);
    const seen = await caller(h, members[0]).get(`/api/v1/chats/${chat.chat_id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.data.chat_id, chat.chat_id);
    assert.equal(seen.body.data.unread_count, 0);
    assert.equal(seen.body.data.is_muted, false);

    const outsider = await h.makeUser();
    const hidden = await caller(h, outsider).get(`/api/v1/chats/${chat.chat_id}`);
    const missing = await caller(h, outsider).get(`/api/v1/chats/${randomUUID()}`);
    expectError(hidden, 404, 'NOT_FOUND');
    expectError(missing, 404, 'NOT_FOUND');
    assert.equal(hidden.body.error!.message, missing.body.error!.message);
  });

  test('refuses a malformed id with 400', async () => {
    const user = await h.makeUser();
    const res = await caller(h, user).get('/api/v1/chats/not-a-uuid');
    expectError(res, 400, 'VALIDATION_ERROR');
    assert.equal(res.body.error!.details![0].field, 'params.id');
  });

  test('shows each member’s profile from the user-service as the caller may see it', async () => {
    const creator = await h.makeUser({ display_name: 'Alice' });
    const { chat, members } = await createGroup(h, creator, 4);
    const [open, contact, stranger, blocker] = members;
    const avatar = (i: number) => `https://cdn.example.com/${i}.jpg`;
    for (const [i, member] of members.entries())
      Object.assign(h.users.user(member.id), { display_name: `Named ${i}`, avatar_url: avatar(i) });
    // contact and stranger show their photo to their contacts only; only contact has Alice.
    for (const member of [contact, stranger]) h.users.user(member.id).profile_photo = 'contacts';
    h.users.user(contact.id).contacts.add(creator.id);
    h.users.block(blocker.id, creator.id);

    const seen = await caller(h, creator).get(`/api/v1/chats/${chat.chat_id}`);
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    const byId = new Map((seen.body.data as ChatDetail).participants.map((p) => [p.id, p]));
    assert.equal(byId.size, 5);
    assert.equal(byId.get(creator.id)?.display_name, 'Alice');
    assert.deepEqual(
      members.map((m) => byId.get(m.id)?.display_name),
      ['Named 0', 'Named 1', 'Named 2', 'Named 3'],
    );
    assert.equal(byId.get(open.id)?.avatar_url, avatar(0));
    assert.equal(byId.get(contact.id)?.avatar_url, avatar(1), 'Alice is in their contacts');
    assert.equal(byId.get(stranger.id)?.avatar_url, '', 'Alice is not in their contacts');
    assert.equal(byId.get(blocker.id)?.avatar_url, '', 'they blocked Alice');

    // The same chat seen by `stranger`: their own photo, and the blocker's (not blocked).
    const theirs = await caller(h, stranger).get(`/api/v1/chats/${chat.chat_id}`);
    const theirById = new Map((theirs.body.data as ChatDetail).participants.map((p) => [p.id, p]));
    assert.equal(theirById.get(stranger.id)?.avatar_url, avatar(2));
    assert.equal(theirById.get(blocker.id)?.avatar_url, avatar(3));
  });
});

describe('PATCH /api/v1/chats/:id', () => {
  test('lets an admin change name, description, avatar and admin-only posting', async () => {
    const creator = await h.makeUser();
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
    const creator = await h.makeUser();
    const { chat, members } = await createGroup(h, creator);
    expectError(
      await caller(h, members[0]).patch(`/api/v1/chats/${chat.chat_id}`, { name: 'Mine' }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await caller(h, await h.makeUser()).patch(`/api/v1/chats/${chat.chat_id}`, {
        name: 'Mine',
      }),
      404,
      'NOT_FOUND',
    );
    const [a, b] = await makeUsers(h, 2);
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
    const creator = await h.makeUser();
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
    const creator = await h.makeUser();
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
    const creator = await h.makeUser();
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
      await caller(h, await h.makeUser()).patch(url, { is_muted: true }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('when the user-service is down', () => {
  test('chats are still created, shown and listed (200/201), with ids and empty profiles', async () => {
    const creator = await h.makeUser({ display_name: 'Alice' });
    const [a, b] = await makeUsers(h, 2, 'Friend');
    const direct = await caller(h, creator).post('/api/v1/chats', {
      type: 'direct',
      participant_id: a.id,
    });
    assert.equal(direct.body.data.participant.display_name, 'Friend 0', 'up: names resolved');

    await h.userService.server.stop();
    try {
      const group = await caller(h, creator).post('/api/v1/chats', {
        type: 'group',
        name: 'G',
        participant_ids: [a.id, b.id],
      });
      assert.equal(group.status, 201, JSON.stringify(group.body));
      assert.equal(group.body.success, true);
      assert.equal(group.body.error, null);
      const created = group.body.data as ChatDetail;
      assert.equal(created.name, 'G');
      assert.deepEqual(
        created.participants.map((p) => [p.id, p.display_name, p.avatar_url]).sort(),
        [creator.id, a.id, b.id].map((id) => [id, '', '']).sort(),
      );

      const shown = await caller(h, a).get(`/api/v1/chats/${direct.body.data.chat_id}`);
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      assert.deepEqual(shown.body.data.participant, {
        id: creator.id,
        display_name: '',
        avatar_url: '',
      });

      const listed = await caller(h, creator).get('/api/v1/chats');
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      const summaries = (listed.body.data as ChatList).chats;
      assert.deepEqual(
        summaries.map((c) => c.chat_id).sort(),
        [created.chat_id, direct.body.data.chat_id].sort(),
      );
      const directSummary = summaries.find((c) => c.type === 'direct')!;
      assert.deepEqual(directSummary.participant, { id: a.id, display_name: '', avatar_url: '' });
      assert.equal(summaries.find((c) => c.type === 'group')!.name, 'G', 'groups keep their name');
    } finally {
      await h.userService.server.start();
    }

    // Back up: the same client reconnects and names are resolved again.
    // A breaker opened by the failed calls lets a trial call through after its 5 s reset.
    await eventually(
      async () => {
        const again = await caller(h, creator).get(`/api/v1/chats/${direct.body.data.chat_id}`);
        assert.equal(again.body.data.participant.display_name, 'Friend 0');
      },
      { timeoutMs: 8_000, intervalMs: 100 },
    );
  });
});
