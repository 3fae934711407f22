import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { UserService, createGrpcClient, createGrpcServer, type Client } from '@wa/pkg/grpc';
import { testLogger } from '@wa/pkg/testing';
import { userGrpcRoutes } from '../src/handler/grpc-routes.ts';
import { assertOk, startUserApp, type Harness } from './helpers.ts';

let h: Harness;
let server: ReturnType<typeof createGrpcServer>;
let client: Client<typeof UserService>;

before(async () => {
  h = await startUserApp();
  server = createGrpcServer({ routes: userGrpcRoutes(h.services), log: testLogger() });
  const port = await server.listen(0, '127.0.0.1');
  client = createGrpcClient(UserService, { address: `127.0.0.1:${port}` });
});
after(async () => {
  await server.close();
  await h.close();
});

async function rejectsWith(call: Promise<unknown>, code: Code) {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

test('GetUser returns the raw profile', async () => {
  const user = await h.makeUser({ display_name: 'Grace' });
  const answer = await client.getUser({ userId: user.id });
  assert.equal(answer.userId, user.id);
  assert.equal(answer.phone, user.phone);
  assert.equal(answer.displayName, 'Grace');
  assert.equal(answer.statusText, 'Hey there! I am using WhatsApp.');
});

test('GetUser is NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed one', async () => {
  await rejectsWith(client.getUser({ userId: randomUUID() }), Code.NotFound);
  await rejectsWith(client.getUser({ userId: 'nope' }), Code.InvalidArgument);
  await rejectsWith(client.getUser({ userId: randomUUID(), viewerId: 'x' }), Code.InvalidArgument);
});

test('GetUser with a viewer applies the owner’s privacy settings', async () => {
  const [owner, viewer] = await Promise.all([h.makeUser(), h.makeUser()]);
  await h.call(owner, 'PATCH', '/api/v1/users/me', { avatar_url: 'https://cdn.example.com/p.jpg' });
  await h.call(owner, 'PUT', '/api/v1/users/me/privacy', { profile_photo: 'nobody' });
  assert.equal(
    (await client.getUser({ userId: owner.id })).avatarUrl,
    'https://cdn.example.com/p.jpg',
  );
  assert.equal((await client.getUser({ userId: owner.id, viewerId: viewer.id })).avatarUrl, '');
  assert.equal(
    (await client.getUser({ userId: owner.id, viewerId: owner.id })).avatarUrl,
    'https://cdn.example.com/p.jpg',
  );
});

test('GetUsers keeps the order asked, drops unknown ids and repeats', async () => {
  const [a, b, c] = await Promise.all([h.makeUser(), h.makeUser(), h.makeUser()]);
  const answer = await client.getUsers({
    userIds: [c.id, randomUUID(), a.id, c.id.toUpperCase(), b.id],
  });
  assert.deepEqual(
    answer.users.map((u) => u.userId),
    [c.id, a.id, b.id],
  );
  assert.deepEqual((await client.getUsers({ userIds: [] })).users, []);
});

test('GetUsers rejects a malformed id and more than 1,000 ids', async () => {
  await rejectsWith(client.getUsers({ userIds: [randomUUID(), 'bad'] }), Code.InvalidArgument);
  const many = Array.from({ length: 1_001 }, () => randomUUID());
  await rejectsWith(client.getUsers({ userIds: many }), Code.InvalidArgument);
});

test('CheckPresence is raw: online even when the user hides it from everyone', async () => {
  const user = await h.makeUser();
  await h.call(user, 'PUT', '/api/v1/users/me/privacy', { last_seen: 'nobody' });
  const never = await client.checkPresence({ userId: user.id });
  assert.deepEqual([never.online, never.lastSeen], [false, 0n]);
  await client.setPresence({ userId: user.id, instanceId: 'ws-1', online: true });
  assert.equal((await client.checkPresence({ userId: user.id })).online, true);
  await rejectsWith(client.checkPresence({ userId: randomUUID() }), Code.NotFound);
});

test('CheckPresences answers the online ones among many, raw, each once; unknown ids are offline', async () => {
  const [hidden, offline, online] = [await h.makeUser(), await h.makeUser(), await h.makeUser()];
  await h.call(hidden, 'PUT', '/api/v1/users/me/privacy', { last_seen: 'nobody' });
  for (const user of [hidden, online])
    await client.setPresence({ userId: user.id, instanceId: 'ws-1', online: true });
  const answer = await client.checkPresences({
    userIds: [offline.id, online.id, randomUUID(), hidden.id, online.id],
  });
  assert.deepEqual(answer.onlineUserIds, [online.id, hidden.id]);
  assert.deepEqual((await client.checkPresences({ userIds: [] })).onlineUserIds, []);
  await rejectsWith(client.checkPresences({ userIds: ['bad'] }), Code.InvalidArgument);
  const many = Array.from({ length: 1_001 }, () => randomUUID());
  await rejectsWith(client.checkPresences({ userIds: many }), Code.InvalidArgument);
});

test('SetPresence follows the multi-instance contract and reports last_seen when offline', async () => {
  const user = await h.makeUser();
  assert.equal(
    (await client.setPresence({ userId: user.id, instanceId: 'ws-1', online: true })).online,
    true,
  );
  await client.setPresence({ userId: user.id, instanceId: 'ws-2', online: true });
  const first = await client.setPresence({ userId: user.id, instanceId: 'ws-1', online: false });
  assert.deepEqual([first.online, first.lastSeen], [true, 0n]);
  const last = await client.setPresence({ userId: user.id, instanceId: 'ws-2', online: false });
  assert.equal(last.online, false);
  assert.ok(Math.abs(Number(last.lastSeen) - Date.now()) < 5_000);
  const checked = await client.checkPresence({ userId: user.id });
  assert.deepEqual([checked.online, checked.lastSeen], [false, last.lastSeen]);
  const rest = assertOk(await h.call(user, 'GET', `/api/v1/users/${user.id}/presence`));
  assert.equal(Date.parse(rest.last_seen), Number(last.lastSeen));
});

test('SetPresence and RefreshPresence reject a bad instance id', async () => {
  const user = await h.makeUser();
  for (const instanceId of ['', 'has space', 'x'.repeat(129)]) {
    await rejectsWith(
      client.setPresence({ userId: user.id, instanceId, online: true }),
      Code.InvalidArgument,
    );
    await rejectsWith(
      client.refreshPresence({ instanceId, userIds: [user.id] }),
      Code.InvalidArgument,
    );
  }
});

test('RefreshPresence marks every user online and counts them', async () => {
  const users = await Promise.all([h.makeUser(), h.makeUser()]);
  const answer = await client.refreshPresence({
    instanceId: 'ws-1',
    userIds: users.map((u) => u.id),
  });
  assert.equal(answer.refreshed, 2);
  for (const user of users)
    assert.equal((await client.checkPresence({ userId: user.id })).online, true);
});

test('CheckBlocked tells the direction of a block', async () => {
  const [blocker, blocked] = await Promise.all([h.makeUser(), h.makeUser()]);
  await h.call(blocker, 'POST', `/api/v1/users/${blocked.id}/block`);
  assert.equal(
    (await client.checkBlocked({ blockerId: blocker.id, blockedId: blocked.id })).blocked,
    true,
  );
  assert.equal(
    (await client.checkBlocked({ blockerId: blocked.id, blockedId: blocker.id })).blocked,
    false,
  );
  await rejectsWith(
    client.checkBlocked({ blockerId: 'x', blockedId: blocked.id }),
    Code.InvalidArgument,
  );
});

test('GetPresences applies last_seen privacy and blocks for the viewer, in order', async () => {
  const [viewer, open, contactsOnly, blocker] = await Promise.all([
    h.makeUser(),
    h.makeUser(),
    h.makeUser(),
    h.makeUser(),
  ]);
  await h.call(contactsOnly, 'PUT', '/api/v1/users/me/privacy', { last_seen: 'contacts' });
  await h.call(blocker, 'POST', `/api/v1/users/${viewer.id}/block`);
  for (const user of [open, contactsOnly, blocker]) {
    await client.setPresence({ userId: user.id, instanceId: 'ws-1', online: true });
  }
  const answer = await client.getPresences({
    viewerId: viewer.id,
    userIds: [blocker.id, randomUUID(), contactsOnly.id, open.id],
  });
  assert.deepEqual(
    answer.presences.map((p) => [p.userId, p.visible, p.online, p.lastSeen]),
    [
      [blocker.id, false, false, 0n],
      [contactsOnly.id, false, false, 0n],
      [open.id, true, true, 0n],
    ],
  );
  await h.services.contacts.sync(
    { userId: contactsOnly.id, phone: contactsOnly.phone },
    { phone_numbers: [viewer.phone] },
  );
  const asContact = await client.getPresences({ viewerId: viewer.id, userIds: [contactsOnly.id] });
  assert.deepEqual(
    asContact.presences.map((p) => [p.visible, p.online]),
    [[true, true]],
  );
  await rejectsWith(
    client.getPresences({ viewerId: '', userIds: [open.id] }),
    Code.InvalidArgument,
  );
});

test('GetReadReceipts answers each known user’s setting, the default for one never saved', async () => {
  const [off, on, untouched] = await Promise.all([h.makeUser(), h.makeUser(), h.makeUser()]);
  assertOk(await h.call(off, 'PUT', '/api/v1/users/me/privacy', { read_receipts: false }));
  assertOk(await h.call(on, 'PUT', '/api/v1/users/me/privacy', { last_seen: 'nobody' }));
  const unknown = randomUUID();
  const answer = await client.getReadReceipts({
    userIds: [off.id.toUpperCase(), on.id, untouched.id, unknown, on.id],
  });
  assert.deepEqual(answer.readReceipts, { [off.id]: false, [on.id]: true, [untouched.id]: true });
  const stored = await h.pool.query<{ read_receipts: boolean }>(
    'SELECT read_receipts FROM privacy_settings WHERE user_id = $1',
    [untouched.id],
  );
  assert.equal(stored.rowCount, 0, 'a lookup stores no settings row');
  assertOk(await h.call(off, 'PUT', '/api/v1/users/me/privacy', { read_receipts: true }));
  assert.deepEqual((await client.getReadReceipts({ userIds: [off.id] })).readReceipts, {
    [off.id]: true,
  });
  assert.deepEqual((await client.getReadReceipts({ userIds: [] })).readReceipts, {});
});

test('GetReadReceipts rejects a malformed id and more than 1,000 ids', async () => {
  await rejectsWith(client.getReadReceipts({ userIds: ['nope'] }), Code.InvalidArgument);
  const many = Array.from({ length: 1_001 }, () => randomUUID());
  await rejectsWith(client.getReadReceipts({ userIds: many }), Code.InvalidArgument);
});

test('SweepExpiredPresence takes 1–1,000 at a time and answers lapsed users with last_seen', async () => {
  for (const limit of [-1, 1_001])
    await rejectsWith(client.sweepExpiredPresence({ limit }), Code.InvalidArgument);
  const answer = await client.sweepExpiredPresence({ limit: 0 });
  assert.ok(answer.expired.length <= 100);
  for (const entry of answer.expired) {
    assert.match(entry.userId, /^[0-9a-f-]{36}$/);
    assert.ok(Number(entry.lastSeen) > 0);
  }
});
