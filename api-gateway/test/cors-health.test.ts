import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAMES } from '../src/model/routes.ts';
import { bearer, startGateway, startUpstream } from './helpers.ts';

const ORIGIN = 'https://web.example.com';

test('answers a CORS preflight itself, without a token, reflecting the origin', async () => {
  const users = await startUpstream('user-service');
  const gw = await startGateway({ services: { 'user-service': users.url } });
  try {
    const response = await gw.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/users/me/privacy',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(response.headers['access-control-allow-credentials'], 'true');
    assert.equal(
      response.headers['access-control-allow-methods'],
      'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    );
    assert.equal(
      response.headers['access-control-allow-headers'],
      'Authorization, Content-Type, X-Request-Id',
    );
    assert.equal(response.headers['access-control-max-age'], String(12 * 60 * 60));
    assert.match(String(response.headers.vary), /Origin/);
    assert.equal(users.requests.length, 0);
  } finally {
    await gw.close();
    await users.close();
  }
});

test('adds CORS headers to proxied answers and to errors', async () => {
  const chats = await startUpstream('chat-service');
  const gw = await startGateway({ services: { 'chat-service': chats.url } });
  try {
    const { token } = gw.auth!.issue();
    const ok = await gw.app.inject({
      method: 'GET',
      url: '/api/v1/chats',
      headers: { ...bearer(token), origin: ORIGIN },
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    assert.equal(ok.headers['access-control-expose-headers'], 'X-Request-Id, Retry-After');

    const rejected = await gw.app.inject({
      method: 'GET',
      url: '/api/v1/chats',
      headers: { origin: ORIGIN },
    });
    assert.equal(rejected.statusCode, 401);
    assert.equal(rejected.headers['access-control-allow-origin'], ORIGIN);
  } finally {
    await gw.close();
    await chats.close();
  }
});

test('with CORS_ORIGINS set, only the listed origins are allowed', async () => {
  const gw = await startGateway({ env: { CORS_ORIGINS: `${ORIGIN}, https://admin.example.com` } });
  try {
    const preflight = (origin: string) =>
      gw.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/chats',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    assert.equal(
      (await preflight('https://admin.example.com')).headers['access-control-allow-origin'],
      'https://admin.example.com',
    );
    assert.equal(
      (await preflight('https://evil.example.com')).headers['access-control-allow-origin'],
      undefined,
    );
  } finally {
    await gw.close();
  }
});

test('/health is 200 "ok" with every downstream service up', async () => {
  const upstreams = await Promise.all(SERVICE_NAMES.map((name) => startUpstream(name)));
  const services = Object.fromEntries(
    SERVICE_NAMES.map((name, index) => [name, upstreams[index].url]),
  );
  const gw = await startGateway({ services });
  try {
    const response = await gw.app.inject({ method: 'GET', url: '/health' });
    assert.equal(response.statusCode, 200);
    const { data } = response.json();
    assert.equal(data.status, 'ok');
    assert.equal(data.service, 'api-gateway');
    assert.deepEqual(data.services, Object.fromEntries(SERVICE_NAMES.map((name) => [name, 'up'])));
    for (const upstream of upstreams) assert.equal(upstream.requests.at(-1)?.url, '/health');
  } finally {
    await gw.close();
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  }
});

test('/health stays 200 but says "degraded" and which services are down', async () => {
  const auth = await startUpstream('auth-service');
  const failing = await startUpstream('chat-service', (_request, response) => {
    response.writeHead(503, { 'content-type': 'application/json' });
    response.end('{}');
  });
  const hanging = await startUpstream('media-service', () => {
    /* never answers */
  });
  const gw = await startGateway({
    services: {
      'auth-service': auth.url,
      'chat-service': failing.url,
      'media-service': hanging.url,
    },
    env: { HEALTH_TIMEOUT_MS: '300' },
  });
  try {
    const started = performance.now();
    const response = await gw.app.inject({ method: 'GET', url: '/health' });
    assert.ok(performance.now() - started < 1_500, 'probes run in parallel with a timeout');
    assert.equal(response.statusCode, 200);
    const { data } = response.json();
    assert.equal(data.status, 'degraded');
    assert.deepEqual(data.services, {
      'auth-service': 'up',
      'user-service': 'down',
      'chat-service': 'down',
      'message-service': 'down',
      'notification-service': 'down',
      'media-service': 'down',
      'websocket-service': 'down',
    });
  } finally {
    await gw.close();
    await Promise.all([auth.close(), failing.close(), hanging.close()]);
  }
});
