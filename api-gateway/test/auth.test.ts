import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { AuthService, createGrpcClient } from '@wa/pkg/grpc';
import { createAuthTokenSource } from '../src/repository/auth-remote.ts';
import { createTokenVerifier } from '../src/service/token-verifier.ts';
import {
  bearer,
  refusedUrl,
  startAuthStandIn,
  startGateway,
  startUpstream,
  type Gateway,
  type Upstream,
} from './helpers.ts';

let users: Upstream;
let authUpstream: Upstream;
let gw: Gateway;

before(async () => {
  users = await startUpstream('user-service');
  authUpstream = await startUpstream('auth-service');
  gw = await startGateway({
    services: { 'user-service': users.url, 'auth-service': authUpstream.url },
  });
});
after(async () => {
  await gw.close();
  await users.close();
  await authUpstream.close();
});

function assertUnauthorized(response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 401);
  const envelope = response.json<{ success: boolean; error: { code: string } }>();
  assert.equal(envelope.success, false);
  assert.equal(envelope.error.code, 'UNAUTHORIZED');
}

test('rejects a protected route without a bearer token with 401, before any upstream call', async () => {
  const seen = users.requests.length;
  for (const authorization of [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'token-without-scheme',
  ]) {
    const headers = authorization === undefined ? {} : { authorization };
    assertUnauthorized(await gw.app.inject({ method: 'GET', url: '/api/v1/users/me', headers }));
  }
  assert.equal(users.requests.length, seen);
});

test('rejects a token the auth-service says is invalid with 401', async () => {
  const calls = gw.auth!.calls.length;
  assertUnauthorized(
    await gw.app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: bearer('forged.jwt.token'),
    }),
  );
  assert.equal(gw.auth!.calls.length, calls + 1);
});

test('accepts any casing of the Bearer scheme', async () => {
  const { token } = gw.auth!.issue();
  const response = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: { authorization: `bearer ${token}` },
  });
  assert.equal(response.statusCode, 200);
});

test('public auth routes need no token; the rest of /auth does', async () => {
  for (const path of ['request-otp', 'verify-otp', 'refresh']) {
    const response = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/auth/${path}`,
      payload: {},
    });
    assert.equal(response.statusCode, 200, path);
    assert.equal(response.json().data.service, 'auth-service');
  }
  assertUnauthorized(
    await gw.app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: {} }),
  );
  assertUnauthorized(await gw.app.inject({ method: 'GET', url: '/api/v1/auth/request-otp' }));
  assertUnauthorized(
    await gw.app.inject({ method: 'POST', url: '/api/v1/auth/refresh/../logout' }),
  );
});

test('a validated token is cached: repeated requests make one ValidateToken call', async () => {
  const { token, userId } = gw.auth!.issue();
  const before = gw.auth!.calls.filter((call) => call === token).length;
  await Promise.all(
    Array.from({ length: 5 }, () =>
      gw.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(token) }),
    ),
  );
  const response = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: bearer(token),
  });
  assert.equal(response.statusCode, 200);
  assert.equal(users.requests.at(-1)!.headers['x-user-id'], userId);
  assert.equal(gw.auth!.calls.filter((call) => call === token).length - before, 1);
});

test('auth-service unreachable answers 503, not 401', async () => {
  const unreachable = new URL(await refusedUrl()).host;
  const local = await startGateway({
    services: { 'user-service': users.url },
    authAddress: unreachable,
  });
  try {
    const response = await local.app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: bearer('some-token'),
    });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error.code, 'SERVICE_UNAVAILABLE');
    const ready = await local.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json().error.details, [
      { field: 'auth-service', message: 'unreachable' },
    ]);
  } finally {
    await local.close();
  }
});

test('/ready reports the auth-service reachable', async () => {
  const response = await gw.app.inject({ method: 'GET', url: '/ready' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json().data.checks, { 'auth-service': 'ok' });
});

test('the token cache keeps an answer no longer than the token lives, nor than the TTL', async () => {
  const auth = await startAuthStandIn();
  try {
    let clock = Date.now();
    const verifier = createTokenVerifier({
      source: createAuthTokenSource(createGrpcClient(AuthService, { address: auth.address })),
      maxEntries: 10,
      ttlMs: 60_000,
      now: () => clock,
    });
    const shortLived = auth.issue({ expiresAt: Math.floor(clock / 1000) + 5 });
    const longLived = auth.issue({ expiresAt: Math.floor(clock / 1000) + 3_600 });
    const count = (token: string) => auth.calls.filter((call) => call === token).length;

    assert.equal((await verifier.verify(shortLived.token)).userId, shortLived.userId);
    await verifier.verify(longLived.token);
    clock += 4_000;
    await verifier.verify(shortLived.token);
    await verifier.verify(longLived.token);
    assert.equal(count(shortLived.token), 1);
    assert.equal(count(longLived.token), 1);

    clock += 2_000; // past the short token's expiry, inside the TTL
    await verifier.verify(shortLived.token);
    await verifier.verify(longLived.token);
    assert.equal(count(shortLived.token), 2);
    assert.equal(count(longLived.token), 1);

    clock += 60_000; // past the TTL
    await verifier.verify(longLived.token);
    assert.equal(count(longLived.token), 2);
  } finally {
    await auth.close();
  }
});

test('the token cache is bounded and never stores invalid tokens', async () => {
  const auth = await startAuthStandIn();
  try {
    const verifier = createTokenVerifier({
      source: createAuthTokenSource(createGrpcClient(AuthService, { address: auth.address })),
      maxEntries: 3,
      ttlMs: 60_000,
    });
    const issued = Array.from({ length: 5 }, () => auth.issue());
    for (const { token } of issued) await verifier.verify(token);
    assert.equal(verifier.cachedEntries, 3);
    await assert.rejects(verifier.verify('not-a-token'), { code: 'UNAUTHORIZED' });
    assert.equal(verifier.cachedEntries, 3);
    // The oldest entries were evicted, the newest are still served from the cache.
    const calls = auth.calls.length;
    await verifier.verify(issued[4].token);
    assert.equal(auth.calls.length, calls);
    await verifier.verify(issued[0].token);
    assert.equal(auth.calls.length, calls + 1);
  } finally {
    await auth.close();
  }
});
