import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { Type } from 'typebox';
import { AppError, notFound, rateLimited } from '@wa/pkg/errors';
import { Envelope, createHttpServer, ok, requireCaller } from '@wa/pkg/http';
import { testLogger } from '@wa/pkg/testing';

function buildApp(readiness?: Record<string, () => Promise<boolean>>) {
  const app = createHttpServer({
    service: 'test-service',
    log: testLogger(),
    readiness,
    callerHeaders: true,
  });
  app.post(
    '/items',
    {
      schema: {
        body: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 200: Envelope(Type.Object({ name: Type.String() })) },
      },
    },
    async (request) => ok(request.id, { name: request.body.name, secret: 'not serialised' }),
  );
  app.get('/boom', async () => {
    throw new Error('connection string postgres://user:pw@db leaked');
  });
  app.get('/missing', async () => {
    throw notFound('Item not found');
  });
  app.get('/slow-down', async () => {
    throw rateLimited(42);
  });
  app.get('/who', async (request) => ok(request.id, requireCaller(request)));
  return app;
}

test('wraps data in the envelope and filters it through the response schema', async () => {
  const app = buildApp();
  const res = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a' } });
  const body = res.json();
  assert.equal(res.statusCode, 200);
  assert.deepEqual(body.data, { name: 'a' });
  assert.equal(body.success, true);
  assert.equal(body.error, null);
  assert.equal(body.meta.request_id, res.headers['x-request-id']);
  assert.ok(!Number.isNaN(Date.parse(body.meta.timestamp)));
});

test('answers validation failures with 400 and the offending fields', async () => {
  const app = buildApp();
  const res = await app.inject({ method: 'POST', url: '/items', payload: { name: '', extra: 1 } });
  assert.equal(res.statusCode, 400);
  const body = res.json();
  assert.equal(body.error.code, 'VALIDATION_ERROR');
  assert.ok(body.error.details.length >= 1);
});

test('hides the message and stack of unexpected errors', async () => {
  const app = buildApp();
  const res = await app.inject({ method: 'GET', url: '/boom' });
  assert.equal(res.statusCode, 500);
  assert.equal(res.json().error.code, 'INTERNAL_ERROR');
  assert.doesNotMatch(res.body, /postgres|stack|at /);
});

test('maps AppErrors to their status, and 429 carries Retry-After', async () => {
  const app = buildApp();
  const missing = await app.inject({ method: 'GET', url: '/missing' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.message, 'Item not found');
  const limited = await app.inject({ method: 'GET', url: '/slow-down' });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '42');
  assert.equal(limited.json().error.code, 'RATE_LIMITED');
});

test('rejects an oversized body with 413 and unknown routes with 404', async () => {
  const app = buildApp();
  const big = await app.inject({
    method: 'POST',
    url: '/items',
    payload: { name: 'x'.repeat(2 * 1024 * 1024) },
  });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');
  const unknown = await app.inject({ method: 'GET', url: '/nope' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'NOT_FOUND');
});

test('keeps a well-formed X-Request-Id and replaces a malformed one', async () => {
  const app = buildApp();
  const kept = await app.inject({
    method: 'GET',
    url: '/missing',
    headers: { 'x-request-id': 'abc-123' },
  });
  assert.equal(kept.headers['x-request-id'], 'abc-123');
  assert.equal(kept.json().meta.request_id, 'abc-123');
  const replaced = await app.inject({
    method: 'GET',
    url: '/missing',
    headers: { 'x-request-id': 'bad id\n' },
  });
  assert.notEqual(replaced.headers['x-request-id'], 'bad id\n');
});

test('requires the gateway identity header', async () => {
  const app = buildApp();
  assert.equal((await app.inject({ method: 'GET', url: '/who' })).statusCode, 401);
  const id = '5f0c3a52-6f1e-4a55-9c39-2d1b0c7b1c11';
  const res = await app.inject({ method: 'GET', url: '/who', headers: { 'x-user-id': id } });
  assert.equal(res.json().data.userId, id);
});

test('the caller hook lower-cases X-User-Id once and refuses a malformed one', async () => {
  const app = buildApp();
  const id = '5F0C3A52-6F1E-4A55-9C39-2D1B0C7B1C11';
  const headers = { 'x-user-id': id, 'x-user-phone': '+14155550123' };
  const res = await app.inject({ method: 'GET', url: '/who', headers });
  assert.deepEqual(res.json().data, { userId: id.toLowerCase(), phone: '+14155550123' });
  for (const bad of ['not-a-uuid', `urn:uuid:${id}`, `${id}0`]) {
    const refused = await app.inject({ method: 'GET', url: '/who', headers: { 'x-user-id': bad } });
    assert.equal(refused.statusCode, 401, bad);
    assert.equal(refused.json().error.code, 'UNAUTHORIZED');
  }
});

test('without callerHeaders (the gateway) the identity headers are never read', async () => {
  const app = createHttpServer({ service: 'gateway-like', log: testLogger() });
  app.get('/who', async (request) => ok(request.id, requireCaller(request)));
  const id = '5f0c3a52-6f1e-4a55-9c39-2d1b0c7b1c11';
  const res = await app.inject({ method: 'GET', url: '/who', headers: { 'x-user-id': id } });
  assert.equal(res.statusCode, 401);
});

test('/ready is 503 naming the dependency that is down', async () => {
  const app = buildApp({ postgres: async () => true, redis: async () => false });
  const res = await app.inject({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error.code, 'SERVICE_UNAVAILABLE');
  assert.match(res.json().error.message, /redis/);
  assert.deepEqual(res.json().error.details, [{ field: 'redis', message: 'unreachable' }]);
  assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
});

test('/metrics reports rate, errors and duration per route', async () => {
  const app = buildApp();
  await app.inject({ method: 'GET', url: '/missing' });
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(
    metrics,
    /http_requests_total\{[^}]*route="\/missing"[^}]*status_code="404"[^}]*\} 1/,
  );
  assert.match(metrics, /http_request_duration_seconds_bucket\{[^}]*route="\/missing"/);
});

test('AppError keeps its cause out of the message', () => {
  const error = new AppError('CONFLICT', 'Already exists', {
    cause: new Error('duplicate key users_phone_key'),
  });
  assert.equal(error.httpStatus, 409);
  assert.equal(error.message, 'Already exists');
});

test('coerces query strings but never JSON bodies', async () => {
  const app = createHttpServer({ service: 'test-service', log: testLogger() });
  const schema = Type.Object({ limit: Type.Integer({ minimum: 1 }) });
  app.post('/coerce', { schema: { body: schema, querystring: schema } }, async (request) =>
    ok(request.id, { query: request.query.limit, body: request.body.limit }),
  );
  const good = await app.inject({ method: 'POST', url: '/coerce?limit=5', payload: { limit: 7 } });
  assert.deepEqual(good.json().data, { query: 5, body: 7 });
  const stringBody = await app.inject({
    method: 'POST',
    url: '/coerce?limit=5',
    payload: { limit: '7' },
  });
  assert.equal(stringBody.statusCode, 400);
  const arrayBody = await app.inject({
    method: 'POST',
    url: '/coerce?limit=5',
    payload: { limit: [7] },
  });
  assert.equal(arrayBody.statusCode, 400);
});

test('an undecodable URL and an overlong path segment get the error envelope', async () => {
  const app = buildApp();
  app.get('/items/:id', async (request) => ok(request.id, {}));
  const badUrl = await app.inject({ method: 'GET', url: '/items/%E0%A4%A' });
  assert.equal(badUrl.statusCode, 400);
  assert.equal(badUrl.json().error.code, 'VALIDATION_ERROR');
  assert.equal(badUrl.json().success, false);
  assert.doesNotMatch(badUrl.body, /FST_ERR/);
  const longParam = await app.inject({ method: 'GET', url: `/items/${'a'.repeat(500)}` });
  assert.equal(longParam.statusCode, 414);
  assert.equal(longParam.json().error.code, 'VALIDATION_ERROR');
  assert.doesNotMatch(longParam.body, /FST_ERR|aaaa/);
});

test('a request line too large for the HTTP parser gets the error envelope', async () => {
  const app = buildApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/items/${'a'.repeat(40_000)}`);
    assert.equal(response.status, 431);
    const body = (await response.json()) as { success: boolean; error: { code: string } };
    assert.equal(body.success, false);
    assert.equal(body.error.code, 'VALIDATION_ERROR');
  } finally {
    await app.close();
  }
});

/** A server of createHttpServer in a process of its own, so that it answers while a client still sends. */
async function serveInChild(): Promise<{ port: number; stop: () => void }> {
  const code = `
    import { createHttpServer } from '@wa/pkg/http';
    import { testLogger } from '@wa/pkg/testing';
    const app = createHttpServer({ service: 'child', log: testLogger('child') });
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log(app.server.address().port);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(line.toString().trim()), stop: () => child.kill() };
}

test('a request line too large for the parser, sent with a large body, is answered 431, not reset', async () => {
  const server = await serveInChild();
  try {
    const body = Buffer.alloc(16_000_000, 'a');
    for (let attempt = 0; attempt < 5; attempt++) {
      // The client is still sending its body when the server refuses the request line.
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const outgoing = request(
          {
            host: '127.0.0.1',
            port: server.port,
            method: 'PATCH',
            path: `/items/${'a'.repeat(20_000)}`,
            headers: { 'content-type': 'application/json', 'content-length': body.length },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
            response.on('error', reject);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
      assert.equal(answer.status, 431);
      const error = (JSON.parse(answer.text) as { error: { code: string } }).error;
      assert.equal(error.code, 'VALIDATION_ERROR');
    }
  } finally {
    server.stop();
  }
});

test('a NUL or a lone surrogate anywhere in the body or query is a 400 naming the field', async () => {
  const app = buildApp();
  for (const payload of ['{"name":"a\\u0000b"}', '{"name":"\\ud800"}']) {
    const res = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    assert.equal(res.statusCode, 400, payload);
    assert.equal(res.json().error.code, 'VALIDATION_ERROR');
    assert.equal(res.json().error.details[0].field, 'body.name');
  }
  const query = await app.inject({ method: 'GET', url: '/missing?q=%00' });
  assert.equal(query.statusCode, 400);
  assert.equal(query.json().error.details[0].field, 'querystring.q');
  const fine = await app.inject({ method: 'POST', url: '/items', payload: { name: '😀\u202e' } });
  assert.equal(fine.statusCode, 200);
});
