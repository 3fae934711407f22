import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { ChatService, createGrpcClient, type Client } from '@wa/pkg/grpc';
import { makeDirectChat, makeGroupChat } from '@wa/pkg/testing';
import { makeUsers, startChatApp, type ChatHarness } from './helpers.ts';

let h: ChatHarness;
let client: Client<typeof ChatService>;

before(async () => {
  h = await startChatApp();
  // The app's own gRPC server, as startService runs it.
  client = createGrpcClient(ChatService, { address: h.grpcAddress });
});
after(async () => {
  await h?.close();
});

const codeOf = async (call: Promise<unknown>): Promise<Code | undefined> => {
  try {
    await call;
    return undefined;
  } catch (error) {
    return ConnectError.from(error).code;
  }
};

test('GetParticipants lists a group’s members with role and mute state', async () => {
  const [admin, muted, timed, expired] = await makeUsers(h, 4);
  const chat = await makeGroupChat(h.pool, {
    createdBy: admin.id,
    memberIds: [muted.id, timed.id, expired.id],
  });
  await h.pool.query(
    `UPDATE chat_participants SET is_muted = TRUE, mute_until = CASE user_id
       WHEN $2::uuid THEN NULL
       WHEN $3::uuid THEN NOW() + interval '1 hour'
       ELSE NOW() - interval '1 hour' END
     WHERE chat_id = $1 AND user_id <> $4`,
    [chat.id, muted.id, timed.id, admin.id],
  );
  await h.pool.query('UPDATE groups SET is_admin_only = TRUE WHERE chat_id = $1', [chat.id]);
  const answer = await client.getParticipants({ chatId: chat.id });
  assert.equal(answer.chatId, chat.id);
  assert.equal(answer.type, 'group');
  assert.equal(answer.isAdminOnly, true);
  const byId = new Map(answer.participants.map((p) => [p.userId, p]));
  assert.equal(byId.size, 4);
  assert.equal(byId.get(admin.id)?.role, 'admin');
  assert.equal(byId.get(admin.id)?.isMuted, false);
  assert.equal(byId.get(muted.id)?.role, 'member');
  assert.equal(byId.get(muted.id)?.isMuted, true);
  assert.equal(byId.get(muted.id)?.muteUntil, 0n);
  const until = Number(byId.get(timed.id)?.muteUntil);
  assert.ok(Math.abs(until - (Date.now() + 3_600_000)) < 60_000, String(until));
  assert.equal(byId.get(expired.id)?.isMuted, false, 'an expired mute is over');
});

test('GetParticipants answers a direct chat', async () => {
  const [a, b] = await makeUsers(h, 2);
  const chat = await makeDirectChat(h.pool, a.id, b.id);
  const answer = await client.getParticipants({ chatId: chat.id });
  assert.equal(answer.type, 'direct');
  assert.equal(answer.isAdminOnly, false);
  assert.deepEqual(answer.participants.map((p) => p.userId).sort(), [a.id, b.id].sort());
});

test('GetParticipants: NOT_FOUND for an unknown chat, INVALID_ARGUMENT for a malformed id', async () => {
  assert.equal(await codeOf(client.getParticipants({ chatId: randomUUID() })), Code.NotFound);
  assert.equal(await codeOf(client.getParticipants({ chatId: 'chat-1' })), Code.InvalidArgument);
  assert.equal(await codeOf(client.getParticipants({ chatId: '' })), Code.InvalidArgument);
});
