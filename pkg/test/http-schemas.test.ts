import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { HttpUrl, IdParams, createHttpServer, ok } from '@wa/pkg/http';
import { testLogger } from '@wa/pkg/testing';

function buildApp() {
  const app = createHttpServer({ service: 'test-service', log: testLogger() });
  app.get('/things/:id', { schema: { params: IdParams } }, async (request) =>
    ok(request.id, { id: request.params.id }),
  );
  app.post(
    '/links',
    { schema: { body: Type.Object({ url: HttpUrl(64) }, { additionalProperties: false }) } },
    async (request) => ok(request.id, request.body),
  );
  return app;
}

test('IdParams accepts a UUID in any case', async () => {
  const app = buildApp();
  for (const id of [randomUUID(), randomUUID().toUpperCase()]) {
    const res = await app.inject({ method: 'GET', url: `/things/${id}` });
    assert.equal(res.statusCode, 200, id);
  }
});

test('IdParams answers a malformed or urn-prefixed id with 400 naming params.id', async () => {
  const app = buildApp();
  for (const id of ['abc', '123', `urn:uuid:${randomUUID()}`, `${randomUUID()}0`, 'me']) {
    const res = await app.inject({ method: 'GET', url: `/things/${encodeURIComponent(id)}` });
    assert.equal(res.statusCode, 400, id);
    const body = res.json();
    assert.equal(body.error.code, 'VALIDATION_ERROR');
    assert.equal(body.error.details[0].field, 'params.id');
  }
});

test('HttpUrl accepts http and https URLs only, within the length limit', async () => {
  const app = buildApp();
  const post = (url: unknown) => app.inject({ method: 'POST', url: '/links', payload: { url } });
  assert.equal((await post('https://cdn.example.com/a.jpg')).statusCode, 200);
  assert.equal((await post('http://localhost:9000/b')).statusCode, 200);
  for (const bad of [
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'ftp://example.com/a',
    'not a url',
    '/relative/path',
    '',
    `https://example.com/${'a'.repeat(64)}`,
  ]) {
    const res = await post(bad);
    assert.equal(res.statusCode, 400, bad);
    assert.equal(res.json().error.details[0].field, 'body.url');
  }
});
