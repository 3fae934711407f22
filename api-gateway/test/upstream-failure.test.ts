import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { eventually } from '@wa/pkg/testing';
import { bearer, refusedUrl, startGateway, startUpstream } from './helpers.ts';

function assertUnavailable(response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 503);
  assert.match(String(response.headers['content-type']), /application\/json/);
  const envelope = response.json();
  assert.equal(envelope.success, false);
  assert.equal(envelope.data, null);
  assert.equal(envelope.error.code, 'SERVICE_UNAVAILABLE');
  assert.equal(envelope.meta.request_id, response.headers['x-request-id']);
  assert.doesNotMatch(envelope.error.message, /ECONNREFUSED|127\.0\.0\.1|socket/i);
}

test('a service that is not running answers 503 SERVICE_UNAVAILABLE at once', async () => {
  const gw = await startGateway({ services: { 'user-service': await refusedUrl() } });
  try {
    const { token } = gw.auth!.issue();
    const started = performance.now();
    assertUnavailable(
      await gw.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(token) }),
    );
    assert.ok(performance.now() - started < 1_000, 'answered quickly');
  } finally {
    await gw.close();
  }
});

test('a request body the down service never read still gets a 503 and a closed connection', async () => {
  const gw = await startGateway({ services: { 'media-service': await refusedUrl() } });
  try {
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = gw.app.server.address() as { port: number };
    const { token } = gw.auth!.issue();
    for (const body of ['{}', 'x'.repeat(5_000_000)]) {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/media/upload`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'multipart/form-data; boundary=x' },
        body,
        signal: AbortSignal.timeout(2_000),
      });
      assert.equal(response.status, 503);
      assert.equal(
        ((await response.json()) as { error: { code: string } }).error.code,
        'SERVICE_UNAVAILABLE',
      );
    }
  } finally {
    // Would hang if a half-read upload kept its connection open.
    await gw.close();
  }
});

test('a service that does not answer in time gives 503 after UPSTREAM_TIMEOUT_MS', async () => {
  const silent = await startUpstream('silent', () => {
    /* never answers */
  });
  const gw = await startGateway({
    services: { 'chat-service': silent.url },
    env: { UPSTREAM_TIMEOUT_MS: '300' },
  });
  try {
    const { token } = gw.auth!.issue();
    const started = performance.now();
    const response = await gw.app.inject({
      method: 'GET',
      url: '/api/v1/chats',
      headers: bearer(token),
    });
    const elapsed = performance.now() - started;
    assertUnavailable(response);
    assert.ok(elapsed >= 250 && elapsed < 2_000, `took ${elapsed} ms`);
    assert.equal(silent.requests.length, 1, 'not retried');
  } finally {
    await gw.close();
    await silent.close();
  }
});

test('a service that resets the connection gives 503', async () => {
  const resetting = await startUpstream('resetting', (request) => {
    request.socket.destroy();
  });
  const gw = await startGateway({ services: { 'media-service': resetting.url } });
  try {
    const { token } = gw.auth!.issue();
    assertUnavailable(
      await gw.app.inject({ method: 'GET', url: '/api/v1/media/m1', headers: bearer(token) }),
    );
    assertUnavailable(
      await gw.app.inject({
        method: 'POST',
        url: '/api/v1/media/upload',
        headers: bearer(token),
        payload: 'x'.repeat(10_000),
      }),
    );
  } finally {
    await gw.close();
    await resetting.close();
  }
});

test('a service that answers garbage instead of HTTP gives 503', async () => {
  const garbage = await startUpstream('garbage', (request) => {
    request.socket.end('this is not http\r\n\r\n');
  });
  const gw = await startGateway({ services: { 'message-service': garbage.url } });
  try {
    const { token } = gw.auth!.issue();
    assertUnavailable(
      await gw.app.inject({
        method: 'GET',
        url: '/api/v1/messages/starred',
        headers: bearer(token),
      }),
    );
  } finally {
    await gw.close();
    await garbage.close();
  }
});

test('a down service over a real socket also gets an envelope, not a hang', async () => {
  const gw = await startGateway({ services: { 'message-service': await refusedUrl() } });
  try {
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = gw.app.server.address() as { port: number };
    const { token } = gw.auth!.issue();
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/chats/c1/messages`, {
      headers: bearer(token),
      signal: AbortSignal.timeout(2_000),
    });
    assert.equal(response.status, 503);
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      'SERVICE_UNAVAILABLE',
    );
  } finally {
    await gw.close();
  }
});

test('a service that keeps timing out is answered 503 at once until a trial request gets through', async () => {
  let silent = true;
  const flaky = await startUpstream('flaky', (_request, response) => {
    if (silent) return;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ success: true, data: { ok: true }, error: null, meta: {} }));
  });
  const gw = await startGateway({
    services: { 'chat-service': flaky.url },
    env: { UPSTREAM_TIMEOUT_MS: '200', UPSTREAM_BREAKER_RESET_MS: '500' },
  });
  try {
    const { token } = gw.auth!.issue();
    const get = () =>
      gw.app.inject({ method: 'GET', url: '/api/v1/chats', headers: bearer(token) });
    for (let i = 0; i < 5; i += 1) assertUnavailable(await get());
    assert.equal(flaky.requests.length, 5);

    const started = performance.now();
    const refused = await get();
    assertUnavailable(refused);
    assert.ok(performance.now() - started < 150, 'answered without waiting for the upstream');
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(flaky.requests.length, 5, 'the open breaker did not call the upstream');

    silent = false;
    // Refused at once until the reset time has passed, then a trial request goes through.
    await eventually(async () => assert.equal((await get()).statusCode, 200));
    assert.equal((await get()).statusCode, 200, 'and closed the breaker');
  } finally {
    await gw.close();
    await flaky.close();
  }
});

test('answers of the upstream, errors included, never open the breaker', async () => {
  const failing = await startUpstream('failing', (_request, response) => {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ success: false, data: null, error: { code: 'INTERNAL_ERROR' } }));
  });
  const gw = await startGateway({ services: { 'user-service': failing.url } });
  try {
    const { token } = gw.auth!.issue();
    for (let i = 0; i < 12; i += 1) {
      const response = await gw.app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: bearer(token),
      });
      assert.equal(response.statusCode, 500);
    }
    assert.equal(failing.requests.length, 12, 'every request reached the upstream');
  } finally {
    await gw.close();
    await failing.close();
  }
});
