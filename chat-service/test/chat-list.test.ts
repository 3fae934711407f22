import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDirectChat, makeGroupChat, makeManyDirectChats } from '@wa/pkg/testing';
import type { ChatList } from '../src/model/schemas.ts';
import { CHAT_LIST_SQL } from '../src/repository/chat-list-repository.ts';
import { caller, expectError, makeUsers, startChatApp, type ChatHarness } from './helpers.ts';

let h: ChatHarness;

before(async () => {
  h = await startChatApp();
});
after(async () => {
  await h?.close();
});

/** A user with `count` chats alternating direct and group, activity one second apart (newest last). */
async function userWithChats(count: number) {
  const me = await h.makeUser({ display_name: 'Me' });
  const others = await makeUsers(h, count, 'Friend');
  const chatIds: string[] = [];
  for (const [i, other] of others.entries()) {
    const chat =
      i % 2 === 0
        ? await makeDirectChat(h.pool, me.id, other.id)
        : await makeGroupChat(h.pool, {
            createdBy: other.id,
            memberIds: [me.id, others[(i + 1) % count].id],
            name: `Group ${i}`,
          });
    await h.pool.query(
      `UPDATE chat_participants SET last_activity_at = NOW() - make_interval(secs => $2)
       WHERE chat_id = $1`,
      [chat.id, count - i],
    );
    chatIds.push(chat.id);
  }
  return { me, others, newestFirst: chatIds.reverse() };
}

test('lists the caller’s chats newest activity first, page by page with an opaque cursor', async () => {
  const { me, others, newestFirst } = await userWithChats(7);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `/api/v1/chats?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await caller(h, me).get(url);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    seen.push(...(res.body.data as ChatList).chats.map((c) => c.chat_id));
    cursor = res.body.data.next_cursor;
    pages += 1;
  } while (cursor);
  assert.deepEqual(seen, newestFirst);
  assert.equal(pages, 3);

  const first = (await caller(h, me).get('/api/v1/chats?limit=2')).body.data.chats;
  // others[6] is the newest: a direct chat (even index) with Friend 6.
  assert.equal(first[0].type, 'direct');
  assert.deepEqual(first[0].participant, {
    id: others[6].id,
    display_name: 'Friend 6',
    avatar_url: '',
  });
  assert.equal(first[0].name, null);
  assert.equal(first[1].type, 'group');
  assert.equal(first[1].name, 'Group 5');
  assert.equal(first[1].participant, null);
  assert.equal(first[1].last_message, null);
  assert.equal(first[1].unread_count, 0);
});

test('a direct chat shows the other member’s profile from the user-service, privacy applied', async () => {
  const { me, others } = await userWithChats(6);
  // Direct chats are with the even-numbered friends; Friend 2 shows the photo to nobody.
  for (const i of [0, 2, 4])
    h.users.user(others[i].id).avatar_url = `https://cdn.example.com/friend-${i}.jpg`;
  h.users.user(others[2].id).profile_photo = 'nobody';
  h.users.user(others[4].id).display_name = 'Renamed 4';
  const res = await caller(h, me).get('/api/v1/chats?limit=6');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const chats = (res.body.data as ChatList).chats;
  assert.deepEqual(
    chats.filter((c) => c.type === 'direct').map((c) => c.participant),
    [
      {
        id: others[4].id,
        display_name: 'Renamed 4',
        avatar_url: 'https://cdn.example.com/friend-4.jpg',
      },
      { id: others[2].id, display_name: 'Friend 2', avatar_url: '' },
      {
        id: others[0].id,
        display_name: 'Friend 0',
        avatar_url: 'https://cdn.example.com/friend-0.jpg',
      },
    ],
  );
  assert.deepEqual(
    chats.filter((c) => c.type === 'group').map((c) => [c.name, c.participant]),
    [
      ['Group 5', null],
      ['Group 3', null],
      ['Group 1', null],
    ],
  );
});

test('a page of chats and a group’s details each cost one GetUsers call', async () => {
  const { me } = await userWithChats(40);
  const before = h.userService.server.calls.getUsers.length;
  const page = await caller(h, me).get('/api/v1/chats?limit=40');
  assert.equal(page.status, 200);
  assert.equal((page.body.data as ChatList).chats.filter((c) => c.type === 'direct').length, 20);
  assert.equal(h.userService.server.calls.getUsers.length - before, 1);

  const members = await makeUsers(h, 12, 'Member');
  const group = await makeGroupChat(h.pool, {
    createdBy: me.id,
    memberIds: members.map((m) => m.id),
  });
  const detailsBefore = h.userService.server.calls.getUsers.length;
  const details = await caller(h, me).get(`/api/v1/chats/${group.id}`);
  assert.equal(details.status, 200);
  assert.equal(details.body.data.participants.length, 13);
  assert.equal(h.userService.server.calls.getUsers.length - detailsBefore, 1);
});

test('shows only the caller’s own chats, with their own mute state', async () => {
  const [me, friend, stranger] = await makeUsers(h, 3);
  const chat = await makeDirectChat(h.pool, me.id, friend.id);
  await caller(h, me).patch(`/api/v1/chats/${chat.id}/mute`, { is_muted: true });
  const mine = (await caller(h, me).get('/api/v1/chats')).body.data;
  assert.equal(mine.chats.length, 1);
  assert.equal(mine.chats[0].is_muted, true);
  assert.equal(mine.next_cursor, null);
  assert.equal((await caller(h, friend).get('/api/v1/chats')).body.data.chats[0].is_muted, false);
  assert.deepEqual((await caller(h, stranger).get('/api/v1/chats')).body.data.chats, []);
});

test('an expired mute shows as not muted', async () => {
  const [me, friend] = await makeUsers(h, 2);
  const chat = await makeDirectChat(h.pool, me.id, friend.id);
  await h.pool.query(
    `UPDATE chat_participants SET is_muted = TRUE, mute_until = NOW() - interval '1 minute'
     WHERE chat_id = $1 AND user_id = $2`,
    [chat.id, me.id],
  );
  const [summary] = (await caller(h, me).get('/api/v1/chats')).body.data.chats;
  assert.equal(summary.is_muted, false);
  assert.equal(summary.mute_until, null);
});

test('refuses a bad cursor, a bad limit and unknown query parameters with 400', async () => {
  const me = await h.makeUser();
  const forged = Buffer.from(JSON.stringify({ a: 'yesterday', c: 'x' })).toString('base64url');
  for (const query of [
    'cursor=not-a-cursor',
    `cursor=${forged}`,
    'cursor=',
    'limit=0',
    'limit=101',
    'limit=ten',
    'limit=2.5',
    'page=2',
  ]) {
    const res = await caller(h, me).get(`/api/v1/chats?${query}`);
    expectError(res, 400, 'VALIDATION_ERROR');
    assert.ok(res.body.error!.details?.[0].field?.startsWith('querystring'), query);
  }
});

test('the list query reads one page of index entries, however many chats the user has', async () => {
  const me = await h.makeUser();
  await makeManyDirectChats(h.pool, me.id, 300);
  await h.pool.query('ANALYZE chat_participants');
  const plan = async (sql: string, params: unknown[]) => {
    const { rows } = await h.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    return JSON.stringify(rows[0]['QUERY PLAN']);
  };
  for (const text of [
    await plan(CHAT_LIST_SQL.first, [me.id, 21]),
    await plan(CHAT_LIST_SQL.next, [me.id, 21, '2999-01-01T00:00:00.000000Z', me.id]),
  ]) {
    assert.match(
      text,
      /"Scan Direction":"Backward","Index Name":"idx_chat_participants_user_activity"/,
    );
    assert.doesNotMatch(text, /"Node Type":"Sort"/);
    const scan = /"Index Name":"idx_chat_participants_user_activity".*?"Actual Rows":(\d+)/.exec(
      text,
    );
    assert.equal(scan?.[1], '21', 'only one page of participant rows is read');
  }
});
