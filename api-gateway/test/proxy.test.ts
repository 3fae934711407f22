import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAMES, type ServiceName } from '../src/model/routes.ts';
import {
  bearer,
  captureLogs,
  randomIp,
  startGateway,
  startUpstream,
  type Gateway,
  type Upstream,
} from './helpers.ts';

const upstreams = {} as Record<ServiceName, Upstream>;
let gw: Gateway;
const logs = captureLogs();

before(async () => {
  for (const name of SERVICE_NAMES) upstreams[name] = await startUpstream(name);
  const services = Object.fromEntries(SERVICE_NAMES.map((name) => [name, upstreams[name].url]));
  gw = await startGateway({ services, log: logs.log });
});
after(async () => {
  await gw.close();
  await Promise.all(SERVICE_NAMES.map((name) => upstreams[name].close()));
});

const lastRequest = (name: ServiceName) => upstreams[name].requests.at(-1)!;

async function get(url: string, headers: Record<string, string> = {}) {
  const { token } = gw.auth!.issue();
  return gw.app.inject({
    method: 'GET',
    url,
    headers: { ...bearer(token), ...headers },
    remoteAddress: randomIp(),
  });
}

test('routes each prefix to its service with path and query unchanged', async () => {
  const cases: [string, ServiceName][] = [
    ['/api/v1/auth/logout', 'auth-service'],
    ['/api/v1/users/me?fields=a,b&x=%20y', 'user-service'],
    ['/api/v1/users/me/privacy', 'user-service'],
    ['/api/v1/chats', 'chat-service'],
    ['/api/v1/chats?cursor=abc&limit=20', 'chat-service'],
    ['/api/v1/chats/5d4c1c38-2b52-4f6e-9a57-2f6f3b1b2c3d', 'chat-service'],
    ['/api/v1/chats/5d4c1c38-2b52-4f6e-9a57-2f6f3b1b2c3d/participants', 'chat-service'],
    [
      '/api/v1/chats/5d4c1c38-2b52-4f6e-9a57-2f6f3b1b2c3d/messages?cursor=x&limit=5',
      'message-service',
    ],
    [
      '/api/v1/chats/5d4c1c38-2b52-4f6e-9a57-2f6f3b1b2c3d/messages/search?q=hello%20world',
      'message-service',
    ],
    ['/api/v1/messages/starred?limit=3', 'message-service'],
    ['/api/v1/media/abc/download', 'media-service'],
  ];
  for (const [url, service] of cases) {
    const response = await get(url);
    assert.equal(response.statusCode, 200, url);
    assert.equal(response.json().data.service, service, url);
    assert.equal(lastRequest(service).url, url);
  }
});

test('forwards a request body and method unchanged', async () => {
  const { token } = gw.auth!.issue();
  const payload = JSON.stringify({ type: 'group', name: 'Ünïcode ✓', participant_ids: [] });
  const response = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/chats',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    payload,
  });
  assert.equal(response.statusCode, 200);
  const seen = lastRequest('chat-service');
  assert.equal(seen.method, 'POST');
  assert.equal(seen.body, payload);
  assert.equal(seen.headers['content-type'], 'application/json');

  const put = await gw.app.inject({
    method: 'PUT',
    url: '/api/v1/users/me/privacy',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    payload: '{"last_seen":"nobody"}',
  });
  assert.equal(put.statusCode, 200);
  assert.equal(lastRequest('user-service').method, 'PUT');
  assert.equal(lastRequest('user-service').body, '{"last_seen":"nobody"}');
});

test('sets X-User-Id and X-User-Phone from the token and drops the ones a client sent', async () => {
  const issued = gw.auth!.issue({ phone: '+4915199999999' });
  const response = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: {
      ...bearer(issued.token),
      'x-user-id': '00000000-0000-4000-8000-000000000000',
      'X-User-Phone': '+10000000000',
    },
  });
  assert.equal(response.statusCode, 200);
  const seen = lastRequest('user-service');
  assert.equal(seen.headers['x-user-id'], issued.userId);
  assert.equal(seen.headers['x-user-phone'], '+4915199999999');
  assert.equal(seen.headers.authorization, `Bearer ${issued.token}`);
});

test('strips client-sent identity headers on public routes too', async () => {
  const response = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/request-otp',
    headers: {
      'content-type': 'application/json',
      'x-user-id': '00000000-0000-4000-8000-000000000000',
      'x-user-phone': '+10000000000',
    },
    payload: '{"phone":"+4915112345678"}',
  });
  assert.equal(response.statusCode, 200);
  const seen = lastRequest('auth-service');
  assert.equal(seen.headers['x-user-id'], undefined);
  assert.equal(seen.headers['x-user-phone'], undefined);
  assert.equal(seen.body, '{"phone":"+4915112345678"}');
});

test('a client cannot drop the identity headers by naming them in Connection', async () => {
  const issued = gw.auth!.issue();
  const response = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: { ...bearer(issued.token), connection: 'x-user-id, x-request-id' },
  });
  assert.equal(response.statusCode, 200);
  assert.equal(lastRequest('user-service').headers['x-user-id'], issued.userId);
  assert.equal(
    lastRequest('user-service').headers['x-request-id'],
    response.headers['x-request-id'],
  );
});

test('keeps an incoming X-Request-Id and propagates it to the upstream and back', async () => {
  const response = await get('/api/v1/chats', { 'x-request-id': 'client-chosen-id-123' });
  assert.equal(response.headers['x-request-id'], 'client-chosen-id-123');
  assert.equal(lastRequest('chat-service').headers['x-request-id'], 'client-chosen-id-123');
});

test('generates an X-Request-Id when none (or a malformed one) is sent, and the upstream gets the same', async () => {
  const response = await get('/api/v1/chats', { 'x-request-id': 'has spaces and {braces}' });
  const id = response.headers['x-request-id'];
  assert.match(String(id), /^[0-9a-f-]{36}$/);
  assert.equal(lastRequest('chat-service').headers['x-request-id'], id);
  assert.equal(response.json().meta.request_id, id);
});

test('passes upstream error envelopes through unchanged, without retrying', async () => {
  const body = {
    success: false,
    data: null,
    error: { code: 'SERVICE_UNAVAILABLE', message: 'message store is down' },
    meta: { request_id: 'x', timestamp: '2024-01-01T00:00:00.000Z' },
  };
  const failing = await startUpstream('failing', (_request, response) => {
    response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' });
    response.end(JSON.stringify(body));
  });
  const conflict = await startUpstream('conflict', (_request, response) => {
    response.writeHead(409, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ ...body, error: { code: 'CONFLICT', message: 'last admin cannot leave' } }),
    );
  });
  const local = await startGateway({
    services: { 'message-service': failing.url, 'chat-service': conflict.url },
  });
  try {
    const { token } = local.auth!.issue();
    const unavailable = await local.app.inject({
      method: 'GET',
      url: '/api/v1/messages/starred',
      headers: bearer(token),
    });
    assert.equal(unavailable.statusCode, 503);
    assert.deepEqual(unavailable.json(), body);
    assert.equal(unavailable.headers['retry-after'], '7');
    assert.equal(failing.requests.length, 1);

    const rejected = await local.app.inject({
      method: 'DELETE',
      url: '/api/v1/chats/c1/participants/u1',
      headers: bearer(token),
    });
    assert.equal(rejected.statusCode, 409);
    assert.equal(rejected.json().error.code, 'CONFLICT');
    assert.equal(rejected.json().error.message, 'last admin cannot leave');
  } finally {
    await local.close();
    await failing.close();
    await conflict.close();
  }
});

test('answers unknown paths with a 404 envelope', async () => {
  for (const url of ['/nope', '/api/v1/groups', '/api/v2/users/me', '/api/v1']) {
    const response = await gw.app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 404, url);
    const envelope = response.json();
    assert.equal(envelope.success, false);
    assert.equal(envelope.error.code, 'NOT_FOUND');
    assert.equal(envelope.meta.request_id, response.headers['x-request-id']);
  }
});

test('rejects a path that climbs out of its prefix', async () => {
  const response = await get('/api/v1/media/..%2F..%2Finternal');
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().error.code, 'VALIDATION_ERROR');
});

test('a segment the proxy refuses while forwarding (a..%2Fb) is a 400 at once, not a hang', async () => {
  for (let i = 0; i < 6; i += 1) {
    const response = await get('/api/v1/chats/a..%2Fb/participants/x');
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.code, 'VALIDATION_ERROR');
  }
  // Refused URLs are the client's fault: the chat-service is still reached.
  assert.equal((await get('/api/v1/chats')).statusCode, 200);
});

test('writes one log line per request, without the query string', async () => {
  const before = logs.lines.length;
  const response = await get('/api/v1/users/me?token=super-secret-token&x=1');
  assert.equal(response.statusCode, 200);
  const lines = logs.lines.slice(before);
  const completed = lines.filter((line) => line.request_id === response.headers['x-request-id']);
  assert.equal(completed.length, 1, JSON.stringify(lines));
  assert.equal(completed[0].msg, 'request completed');
  assert.equal(completed[0].method, 'GET');
  assert.equal(completed[0].url, '/api/v1/users/me');
  assert.equal(completed[0].status_code, 200);
  assert.equal(typeof completed[0].response_time_ms, 'number');
  assert.ok(!logs.raw.join('').includes('super-secret-token'));
});
