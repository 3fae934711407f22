import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chatStamp } from '@wa/pkg/cache';
import { waitForRedis } from '@wa/pkg/db';
import { eventually, makeGroupChat, startRedisServer, type TestRedisServer } from '@wa/pkg/testing';
import { caller, expectError, makeUsers, startChatApp, type ChatHarness } from './helpers.ts';

/*
 * Read-your-writes (issue 11): every change of a chat's members, roles or posting rule renews the
 * chat's stamp before it is answered, so the message- and websocket-service judge the very next
 * request on the new state; when Redis does not take the renewal the answer is 503, never a 200
 * readers might not see. A private redis-server, stopped by the last test.
 */

let redis: TestRedisServer;
let h: ChatHarness;

before(async () => {
  redis = await startRedisServer();
  h = await startChatApp({ redisUrl: redis.url });
});
after(async () => {
  await h?.close();
  await redis?.stop();
});

async function group() {
  const [admin, bob, carol, dave] = await makeUsers(h, 4);
  const chat = await makeGroupChat(h.pool, { createdBy: admin.id, memberIds: [bob.id, carol.id] });
  return { chatId: chat.id, admin, bob, carol, dave };
}

/** Runs `change` and tells whether it renewed the chat's stamp. */
async function renews(chatId: string, change: () => Promise<{ status: number }>) {
  const before = await h.redis.get(chatStamp(chatId));
  const { status } = await change();
  const after = await h.redis.get(chatStamp(chatId));
  return { status, renewed: after !== null && after !== before };
}

test('adding, removing, promoting and admin-only posting each renew the stamp before answering', async () => {
  const { chatId, admin, bob, carol, dave } = await group();
  const as = caller(h, admin);
  const base = `/api/v1/chats/${chatId}`;
  assert.deepEqual(
    await renews(chatId, () => as.post(`${base}/participants`, { user_ids: [dave.id] })),
    { status: 200, renewed: true },
  );
  assert.deepEqual(await renews(chatId, () => as.delete(`${base}/participants/${carol.id}`)), {
    status: 200,
    renewed: true,
  });
  assert.deepEqual(
    await renews(chatId, () => as.patch(`${base}/participants/${bob.id}/role`, { role: 'admin' })),
    { status: 200, renewed: true },
  );
  assert.deepEqual(await renews(chatId, () => as.patch(base, { is_admin_only: true })), {
    status: 200,
    renewed: true,
  });
  // A repeat that changes nothing may follow an attempt that committed but could not renew.
  assert.deepEqual(await renews(chatId, () => as.patch(base, { is_admin_only: true })), {
    status: 200,
    renewed: true,
  });
});

test('with Redis down a removal answers 503; its retry once Redis is back renews the stamp', async () => {
  const { chatId, admin, carol } = await group();
  const removal = () => caller(h, admin).delete(`/api/v1/chats/${chatId}/participants/${carol.id}`);

  await redis.stop();
  try {
    expectError(await removal(), 503, 'SERVICE_UNAVAILABLE');
  } finally {
    await redis.start();
    await eventually(() => waitForRedis(h.redis, 1_000), { timeoutMs: 15_000 });
  }
  // The removal committed; what the retry answers (404: no longer a member) acknowledges it too.
  const retry = await renews(chatId, removal);
  assert.deepEqual(retry, { status: 404, renewed: true });
});
