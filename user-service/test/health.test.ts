import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUserApp, type Harness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await startUserApp();
});
after(async () => {
  await h.close();
});

test('GET /health answers without touching a dependency (addenda H)', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json().data, { status: 'ok', service: 'user-service' });
});

test('GET /ready reports PostgreSQL and Redis reachable', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().data, { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
});
