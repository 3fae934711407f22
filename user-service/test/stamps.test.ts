import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { userStamp } from '@wa/pkg/cache';
import { waitForRedis } from '@wa/pkg/db';
import { eventually, startRedisServer, type TestRedisServer } from '@wa/pkg/testing';
import { assertError, startUserApp, type Harness } from './helpers.ts';

/*
 * Read-your-writes (issue 11): a block, an unblock or a privacy change renews the user's stamp
 * before it is answered, so the message-service judges the very next send on the new state; when
 * Redis does not take the renewal the answer is 503, never a 200 readers might not see. A private
 * redis-server, stopped by the last test.
 */

let redis: TestRedisServer;
let h: Harness;

before(async () => {
  redis = await startRedisServer();
  h = await startUserApp({ REDIS_URL: redis.url });
});
after(async () => {
  await h?.close();
  await redis?.stop();
});

/** Runs `change` and tells whether it renewed `userId`'s stamp. */
async function renews(userId: string, change: () => Promise<{ status: number }>) {
  const before = await h.redis.get(userStamp(userId));
  const { status } = await change();
  const after = await h.redis.get(userStamp(userId));
  return { status, renewed: after !== null && after !== before };
}

test('a block, an unblock and a privacy change each renew the user stamp before answering', async () => {
  const [me, other] = await Promise.all([h.makeUser(), h.makeUser()]);
  const url = `/api/v1/users/${other.id}/block`;
  assert.deepEqual(await renews(me.id, () => h.call(me, 'POST', url)), {
    status: 200,
    renewed: true,
  });
  // A repeat changes nothing but may follow an attempt that committed and could not renew.
  assert.deepEqual(await renews(me.id, () => h.call(me, 'POST', url)), {
    status: 200,
    renewed: true,
  });
  assert.deepEqual(await renews(me.id, () => h.call(me, 'DELETE', url)), {
    status: 200,
    renewed: true,
  });
  const privacy = () => h.call(me, 'PUT', '/api/v1/users/me/privacy', { read_receipts: false });
  assert.deepEqual(await renews(me.id, privacy), { status: 200, renewed: true });
  assert.equal(await h.redis.get(userStamp(other.id)), null, 'only the acting user is renewed');
});

test('with Redis down a block answers 503; its retry once Redis is back renews the stamp', async () => {
  const [me, other] = await Promise.all([h.makeUser(), h.makeUser()]);
  const block = () => h.call(me, 'POST', `/api/v1/users/${other.id}/block`);

  await redis.stop();
  try {
    assertError(await block(), 503, 'SERVICE_UNAVAILABLE');
  } finally {
    await redis.start();
    await eventually(() => waitForRedis(h.redis, 1_000), { timeoutMs: 15_000 });
  }
  assert.equal(await h.services.blocks.isBlocked(me.id, other.id), true, 'the block committed');
  assert.deepEqual(await renews(me.id, block), { status: 200, renewed: true });
});
