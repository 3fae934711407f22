import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { AppError } from '@wa/pkg/errors';
import { AuthService, ChatService, UserService, createGrpcClient } from '@wa/pkg/grpc';
import {
  createAuthDirectory,
  createChatDirectory,
  createUserDirectory,
  startGrpcFake,
} from '@wa/pkg/testing';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => Code[ConnectError.from(error).code],
  );

test('answers with the given implementation, counts calls and refuses the rest', async (t) => {
  const fake = await startGrpcFake(UserService, {
    checkBlocked: (request) => ({ blocked: request.blockerId === 'a' }),
  });
  t.after(() => fake.close());
  const client = createGrpcClient(UserService, { address: fake.address });
  assert.equal((await client.checkBlocked({ blockerId: 'a', blockedId: 'b' })).blocked, true);
  assert.equal((await client.checkBlocked({ blockerId: 'b', blockedId: 'a' })).blocked, false);
  assert.deepEqual(
    fake.calls.checkBlocked.map((r) => r.blockerId),
    ['a', 'b'],
  );
  assert.equal(await codeOf(client.getUsers({ userIds: [] })), 'Unimplemented');
  assert.equal(fake.calls.getUsers.length, 1, 'an unimplemented call is still recorded');

  fake.implement({
    checkBlocked: () => {
      throw new AppError('NOT_FOUND', 'No such user');
    },
  });
  assert.equal(await codeOf(client.checkBlocked({ blockerId: 'a' })), 'NotFound');
});

test('stop() refuses connections on its port and start() answers there again', async (t) => {
  const fake = await startGrpcFake(AuthService, { validateToken: () => ({ valid: true }) });
  t.after(() => fake.close());
  const client = () => createGrpcClient(AuthService, { address: fake.address, timeoutMs: 500 });
  await fake.stop();
  assert.equal(await codeOf(client().validateToken({ token: 'x' })), 'Unavailable');
  await fake.start();
  assert.equal((await client().validateToken({ token: 'x' })).valid, true);
});

test('the user directory applies privacy and blocks as the user-service does', async (t) => {
  const users = createUserDirectory();
  const fake = await startGrpcFake(UserService, users.implementation);
  t.after(() => fake.close());
  const [owner, contact, stranger] = [randomUUID(), randomUUID(), randomUUID()];
  users.add({ id: owner, display_name: 'Owner', avatar_url: 'a.jpg', profile_photo: 'contacts' });
  users.user(owner).contacts.add(contact);
  users.add({ id: contact, read_receipts: false });
  const client = createGrpcClient(UserService, { address: fake.address });
  const avatarFor = async (viewerId: string) =>
    (await client.getUsers({ userIds: [owner, randomUUID()], viewerId })).users.map(
      (u) => u.avatarUrl,
    );
  assert.deepEqual(await avatarFor(owner), ['a.jpg']);
  assert.deepEqual(await avatarFor(contact), ['a.jpg']);
  assert.deepEqual(await avatarFor(stranger), ['']);
  users.block(owner, contact);
  assert.deepEqual(await avatarFor(contact), [''], 'a blocked viewer sees nothing guarded');
  assert.equal((await client.checkBlocked({ blockerId: owner, blockedId: contact })).blocked, true);
  assert.deepEqual((await client.getReadReceipts({ userIds: [owner, contact] })).readReceipts, {
    [owner]: true,
    [contact]: false,
  });
  assert.equal(await codeOf(client.getUser({ userId: randomUUID() })), 'NotFound');
});

test('presence lapses after the TTL without a refresh and is swept once', async (t) => {
  let now = Date.now();
  const users = createUserDirectory({ presenceTtlMs: 50, now: () => now });
  const fake = await startGrpcFake(UserService, users.implementation);
  t.after(() => fake.close());
  const client = createGrpcClient(UserService, { address: fake.address });
  const id = randomUUID();
  users.add({ id });
  await client.setPresence({ userId: id, instanceId: 'ws-1', online: true });
  assert.equal((await client.checkPresence({ userId: id })).online, true);
  assert.deepEqual((await client.sweepExpiredPresence({})).expired, []);
  now += 51;
  const { expired } = await client.sweepExpiredPresence({});
  assert.deepEqual(
    expired.map((e) => e.userId),
    [id],
  );
  assert.deepEqual((await client.sweepExpiredPresence({})).expired, [], 'swept once');
  assert.equal((await client.checkPresence({ userId: id })).online, false);
});

test('the chat and auth directories answer what they were seeded with', async (t) => {
  const chats = createChatDirectory();
  const auth = createAuthDirectory();
  const [chatFake, authFake] = await Promise.all([
    startGrpcFake(ChatService, chats.implementation),
    startGrpcFake(AuthService, auth.implementation),
  ]);
  t.after(() => Promise.all([chatFake.close(), authFake.close()]));
  const [admin, member, chatId] = [randomUUID(), randomUUID(), randomUUID()];
  chats.add(chatId, 'group', [admin, member]);
  const chatClient = createGrpcClient(ChatService, { address: chatFake.address });
  const answer = await chatClient.getParticipants({ chatId });
  assert.deepEqual(
    answer.participants.map((p) => [p.userId, p.role]),
    [
      [admin, 'admin'],
      [member, 'member'],
    ],
  );
  assert.equal(await codeOf(chatClient.getParticipants({ chatId: randomUUID() })), 'NotFound');

  const session = auth.issue();
  const authClient = createGrpcClient(AuthService, { address: authFake.address });
  const valid = await authClient.validateToken({ token: session.token });
  assert.deepEqual([valid.valid, valid.userId, valid.phone], [true, session.id, session.phone]);
  assert.equal((await authClient.validateToken({ token: 'forged' })).valid, false);
  auth.revoke(session.token);
  assert.equal((await authClient.validateToken({ token: session.token })).valid, false);
});
