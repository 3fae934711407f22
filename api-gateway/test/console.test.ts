import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomIp, startGateway, type Gateway } from './helpers.ts';

/*
 * Addenda M: the gateway serves the console's build at /console/ from CONSOLE_DIR, with no token,
 * outside the per-IP bucket, and answers an envelope instead of crashing while it is not built.
 */

const INDEX = '<!doctype html><title>console</title><div id="root"></div>';
const SCRIPT = 'console.log("hashed");';

let dir = '';
let gateway: Gateway;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-dist-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
  await writeFile(join(dir, '.secret'), 'not for clients');
  // Two requests a minute per IP: every test below would be refused if the console counted.
  gateway = await startGateway({ env: { CONSOLE_DIR: dir, RATE_LIMIT_IP_PER_MINUTE: '2' } });
});

after(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (url: string, ip = randomIp()) =>
  gateway.app.inject({ method: 'GET', url, remoteAddress: ip });

describe('the web console', () => {
  test('/console redirects to /console/, keeping the query', async () => {
    const response = await get('/console?x=1');
    assert.equal(response.statusCode, 301);
    assert.equal(response.headers.location, '/console/?x=1');
  });

  test('/console/ answers index.html without a token, revalidated on every visit', async () => {
    const response = await get('/console/');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.equal(response.body, INDEX);
  });

  test('hashed assets are served with their type and a long immutable cache', async () => {
    const response = await get('/console/assets/index-Ab12Cd34.js');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.body, SCRIPT);
  });

  test('a client route falls back to index.html; a missing asset is a 404 envelope', async () => {
    const route = await get('/console/chats/6f1c2a9e-6c1b-4d0e-9a43-2f3a1c5d7e90');
    assert.equal(route.statusCode, 200);
    assert.equal(route.body, INDEX);

    const stale = await get('/console/assets/index-Old00000.js');
    assert.equal(stale.statusCode, 404);
    assert.equal(stale.json().error.code, 'NOT_FOUND');
  });

  test('never serves a dotfile or a file outside the directory', async () => {
    for (const url of ['/console/.secret', '/console/a/..%2f.secret']) {
      const response = await get(url);
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json().error.code, 'NOT_FOUND');
    }
    // Climbing out stays inside: the path names no console file, so it is a client route.
    const climbing = await get('/console/..%2f..%2f..%2fetc%2fpasswd');
    assert.equal(climbing.body, INDEX);
  });

  test('is outside the per-IP bucket that the API keeps', async () => {
    const ip = randomIp();
    for (let i = 0; i < 5; i++) assert.equal((await get('/console/', ip)).statusCode, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      // No token: answered 401 by the gateway itself, after the per-IP bucket.
      const response = await gateway.app.inject({
        method: 'GET',
        url: '/api/v1/chats',
        remoteAddress: ip,
      });
      statuses.push(response.statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 429]);
  });
});

test('answers a 503 envelope naming the missing build when CONSOLE_DIR holds none', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'console-missing-'));
  const missing = await startGateway({ env: { CONSOLE_DIR: join(empty, 'dist') } });
  try {
    const response = await missing.app.inject({ method: 'GET', url: '/console/' });
    assert.equal(response.statusCode, 503);
    const body = response.json();
    assert.equal(body.success, false);
    assert.equal(body.error.code, 'SERVICE_UNAVAILABLE');
    assert.match(body.error.message, /console is not built/);
    assert.equal(body.meta.request_id, response.headers['x-request-id']);
  } finally {
    await missing.close();
    await rm(empty, { recursive: true, force: true });
  }
});
