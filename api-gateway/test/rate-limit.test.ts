import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRedis, waitForRedis, type Redis } from '@wa/pkg/db';
import { testLogger, testStores } from '@wa/pkg/testing';
import { createTokenBuckets } from '@wa/pkg/cache';
import {
  bearer,
  captureLogs,
  randomIp,
  refusedUrl,
  startGateway,
  startUpstream,
  type Upstream,
} from './helpers.ts';

let chats: Upstream;
let redis: Redis;

before(async () => {
  chats = await startUpstream('chat-service');
  redis = createRedis({ url: testStores.redisUrl, log: testLogger() });
  await waitForRedis(redis);
});
after(async () => {
  await chats.close();
  await redis.quit();
});

test('the token bucket allows its capacity, then refills at its rate', async () => {
  const buckets = createTokenBuckets(redis);
  const key = `rate:test:${randomUUID()}`;
  const perMs = 2 / 60_000;
  const t0 = 1_700_000_000_000;
  assert.deepEqual(await buckets.take(key, 2, perMs, t0), { allowed: true, retryAfterMs: 0 });
  assert.deepEqual(await buckets.take(key, 2, perMs, t0), { allowed: true, retryAfterMs: 0 });
  const denied = await buckets.take(key, 2, perMs, t0 + 1_000);
  assert.equal(denied.allowed, false);
  assert.equal(denied.retryAfterMs, 29_000);
  assert.equal((await buckets.take(key, 2, perMs, t0 + 30_000)).allowed, true);
  assert.equal((await buckets.take(key, 2, perMs, t0 + 30_000)).allowed, false);
  // A clock behind the last update (another gateway instance) refills nothing.
  assert.equal((await buckets.take(key, 2, perMs, t0)).allowed, false);
  const ttl = await redis.pttl(key);
  assert.ok(ttl > 0 && ttl <= 61_000, String(ttl));
  await redis.del(key);
});

test('per IP: answers 429 RATE_LIMITED with Retry-After once the bucket is empty', async () => {
  const gw = await startGateway({
    services: { 'chat-service': chats.url },
    env: { RATE_LIMIT_IP_PER_MINUTE: '3' },
  });
  try {
    const { token } = gw.auth!.issue();
    const ip = randomIp();
    const call = (remoteAddress: string) =>
      gw.app.inject({ method: 'GET', url: '/api/v1/chats', headers: bearer(token), remoteAddress });
    for (let i = 0; i < 3; i++) assert.equal((await call(ip)).statusCode, 200);
    const limited = await call(ip);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 20, String(retryAfter));
    // Unauthenticated and unknown paths count too; another IP is unaffected.
    assert.equal(
      (await gw.app.inject({ method: 'GET', url: '/nope', remoteAddress: ip })).statusCode,
      429,
    );
    assert.equal((await call(randomIp())).statusCode, 200);
    // Probes are never limited.
    for (const url of ['/health', '/ready', '/metrics']) {
      assert.notEqual(
        (await gw.app.inject({ method: 'GET', url, remoteAddress: ip })).statusCode,
        429,
        url,
      );
    }
  } finally {
    await gw.close();
  }
});

test('per user: the user bucket empties independently of the IP', async () => {
  const gw = await startGateway({
    services: { 'chat-service': chats.url },
    env: { RATE_LIMIT_USER_PER_MINUTE: '2' },
  });
  try {
    const alice = gw.auth!.issue();
    const bob = gw.auth!.issue();
    const call = (token: string) =>
      gw.app.inject({
        method: 'GET',
        url: '/api/v1/chats',
        headers: bearer(token),
        remoteAddress: randomIp(),
      });
    assert.equal((await call(alice.token)).statusCode, 200);
    assert.equal((await call(alice.token)).statusCode, 200);
    const limited = await call(alice.token);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await call(bob.token)).statusCode, 200);
    assert.equal(await redis.exists(`rate:user:${alice.userId}`), 1);
  } finally {
    await gw.close();
  }
});

test('fails open with one warning when Redis is unreachable', async () => {
  const down = (await refusedUrl()).replace('http://', 'redis://');
  const logs = captureLogs('warn');
  const gw = await startGateway({
    services: { 'chat-service': chats.url },
    redisUrl: down,
    env: { RATE_LIMIT_IP_PER_MINUTE: '1', RATE_LIMIT_USER_PER_MINUTE: '1' },
    log: logs.log,
  });
  try {
    const { token } = gw.auth!.issue();
    for (let i = 0; i < 3; i++) {
      const response = await gw.app.inject({
        method: 'GET',
        url: '/api/v1/chats',
        headers: bearer(token),
      });
      assert.equal(response.statusCode, 200);
    }
    const warnings = logs.lines.filter(
      (line) => line.msg === 'rate limiter unavailable; allowing requests',
    );
    assert.equal(warnings.length, 1);
    const ready = await gw.app.inject({ method: 'GET', url: '/ready' });
    // Still ready: a limiter outage must not take the API out of rotation.
    assert.equal(ready.statusCode, 200);
  } finally {
    await gw.close();
  }
});
