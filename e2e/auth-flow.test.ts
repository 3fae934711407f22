import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  freePort,
  randomPhone,
  repoRoot,
  request,
  spawnService,
  testStores,
  type SpawnedService,
} from '@wa/pkg/testing';

const JWT_SECRET = 'e2e-secret-for-the-auth-flow-test';
let gateway = '';
const services: SpawnedService[] = [];

before(async () => {
  const [authHttp, authGrpc, gatewayHttp, closedPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  services.push(
    await spawnService('auth-service', authHttp, {
      GRPC_PORT: String(authGrpc),
      DATABASE_URL: testStores.databaseUrl,
      REDIS_URL: testStores.redisUrl,
      JWT_SECRET,
      OTP_FIXED_CODE: '123456',
      BCRYPT_ROUNDS: '4',
    }),
  );
  const down = `http://127.0.0.1:${closedPort}`;
  services.push(
    await spawnService('api-gateway', gatewayHttp, {
      REDIS_URL: testStores.redisUrl,
      AUTH_GRPC_ADDR: `127.0.0.1:${authGrpc}`,
      AUTH_SERVICE_URL: `http://127.0.0.1:${authHttp}`,
      USER_SERVICE_URL: down,
      CHAT_SERVICE_URL: down,
      MESSAGE_SERVICE_URL: down,
      MEDIA_SERVICE_URL: down,
      WEBSOCKET_SERVICE_URL: down,
      NOTIFICATION_SERVICE_URL: down,
      RATE_LIMIT_IP_PER_MINUTE: '100000',
    }),
  );
  gateway = `http://127.0.0.1:${gatewayHttp}`;
});

after(async () => {
  for (const service of services.reverse()) await service.stop();
});

const call = (
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => request(gateway, { method, url, body, headers });

test('request-otp → verify-otp → refresh → old refresh rejected → logout → refresh rejected', async () => {
  const phone = randomPhone();
  const requested = await call('POST', '/api/v1/auth/request-otp', { phone });
  assert.equal(requested.status, 200, JSON.stringify(requested.body));
  assert.equal(requested.body.data.expires_in_seconds, 300);

  const verified = await call('POST', '/api/v1/auth/verify-otp', { phone, otp: '123456' });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  assert.equal(verified.body.data.user.is_new_user, true);
  assert.equal(verified.body.data.user.phone, phone);
  const first = verified.body.data as { access_token: string; refresh_token: string };

  const refreshed = await call('POST', '/api/v1/auth/refresh', {
    refresh_token: first.refresh_token,
  });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  const second = refreshed.body.data as { access_token: string; refresh_token: string };
  assert.notEqual(second.refresh_token, first.refresh_token);

  const reused = await call('POST', '/api/v1/auth/refresh', { refresh_token: first.refresh_token });
  assert.equal(reused.status, 401);
  assert.equal(reused.body.error?.code, 'UNAUTHORIZED');

  // Reuse revoked the family, so log in again for a live session to log out of.
  await call('POST', '/api/v1/auth/request-otp', { phone });
  const again = (await call('POST', '/api/v1/auth/verify-otp', { phone, otp: '123456' })).body
    .data as {
    access_token: string;
    refresh_token: string;
  };
  const loggedOut = await call(
    'POST',
    '/api/v1/auth/logout',
    { refresh_token: again.refresh_token },
    {
      authorization: `Bearer ${again.access_token}`,
    },
  );
  assert.equal(loggedOut.status, 200, JSON.stringify(loggedOut.body));

  const afterLogout = await call('POST', '/api/v1/auth/refresh', {
    refresh_token: again.refresh_token,
  });
  assert.equal(afterLogout.status, 401);
});

test('logout without a bearer token is 401 at the gateway', async () => {
  const res = await call('POST', '/api/v1/auth/logout', {});
  assert.equal(res.status, 401);
  assert.equal(res.body.error?.code, 'UNAUTHORIZED');
});

test('a forged X-User-Id from a client is stripped: logout cannot act as another user', async () => {
  const res = await call('POST', '/api/v1/auth/logout', {}, { 'x-user-id': randomUUID() });
  assert.equal(res.status, 401);
});

test('forged bearer tokens are rejected with 401', async () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: randomUUID(), phone: '+14155550123', iat: now, exp: now + 900 };
  for (const token of [
    `${b64({ alg: 'none' })}.${b64(claims)}.`,
    'not-a-jwt',
    `${b64({ alg: 'HS256' })}.${b64(claims)}.c2ln`,
  ]) {
    const res = await call('POST', '/api/v1/auth/logout', {}, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 401, token);
  }
});

test('a route whose service is not running answers 503 in the envelope', async () => {
  const phone = randomPhone();
  await call('POST', '/api/v1/auth/request-otp', { phone });
  const session = (await call('POST', '/api/v1/auth/verify-otp', { phone, otp: '123456' })).body
    .data as { access_token: string };
  const started = Date.now();
  const res = await call('GET', '/api/v1/users/me', undefined, {
    authorization: `Bearer ${session.access_token}`,
  });
  assert.equal(res.status, 503);
  assert.equal(res.body.error?.code, 'SERVICE_UNAVAILABLE');
  assert.ok(Date.now() - started < 5_000);
});

test('gateway /health reports each downstream service', async () => {
  const res = await call('GET', '/health');
  const body = JSON.stringify(res.body);
  assert.match(body, /auth-service/);
  assert.match(body, /user-service/);
});

test('the gateway process serves its API reference, and a login answers what it documents', async () => {
  const committed = await readFile(join(repoRoot, 'api-gateway/src/gen/openapi.json'), 'utf8');
  const served = await fetch(`${gateway}/openapi.json`);
  assert.equal(served.status, 200);
  assert.equal(await served.text(), committed);
  const page = await fetch(`${gateway}/docs`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /swagger-ui-bundle\.js/);
  assert.equal((await fetch(`${gateway}/asyncapi.json`)).status, 200);

  type Schema = { properties: Record<string, Schema> };
  type Operation = { responses: Record<string, { content: Record<string, { schema: Schema }> }> };
  const reference = JSON.parse(committed) as { paths: Record<string, Record<string, Operation>> };
  const documented =
    reference.paths['/api/v1/auth/verify-otp'].post.responses['200'].content['application/json']
      .schema.properties.data;
  const phone = randomPhone();
  await call('POST', '/api/v1/auth/request-otp', { phone });
  const verified = await call('POST', '/api/v1/auth/verify-otp', { phone, otp: '123456' });
  const data = verified.body.data as { user: object };
  assert.deepEqual(Object.keys(data).sort(), Object.keys(documented.properties).sort());
  assert.deepEqual(
    Object.keys(data.user).sort(),
    Object.keys(documented.properties.user.properties).sort(),
  );
});
