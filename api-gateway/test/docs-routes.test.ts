import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomIp, startGateway, type Gateway } from './helpers.ts';

/*
 * Addenda M: the gateway serves the generated OpenAPI and AsyncAPI documents and a reference page
 * whose every asset comes from the gateway itself, with no token and outside the per-IP bucket.
 */

const GENERATED = join(import.meta.dirname, '../src/gen');
const IP = randomIp();

let gateway: Gateway;

before(async () => {
  // One request a minute for this IP: the tests below make many more from it.
  gateway = await startGateway({ env: { RATE_LIMIT_IP_PER_MINUTE: '1' } });
});

after(async () => {
  await gateway.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  gateway.app.inject({ method: 'GET', url, headers, remoteAddress: IP });

/** Every URL a page names in `src` or `href`. */
const linksOf = (html: string): string[] =>
  [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map(([, url]) => url);

describe('the API reference', () => {
  for (const name of ['openapi', 'asyncapi']) {
    test(`/${name}.json answers the committed document without a token`, async () => {
      const response = await get(`/${name}.json`);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(response.body, await readFile(join(GENERATED, `${name}.json`), 'utf8'));
      assert.equal(gateway.auth!.calls.length, 0, 'no token was checked');
    });
  }

  test('an unchanged document answers 304 to its ETag', async () => {
    const first = await get('/openapi.json');
    const etag = String(first.headers.etag);
    assert.match(etag, /^".+"$/);
    const again = await get('/openapi.json', { 'if-none-match': etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
  });

  test('/docs is a page whose every script, style and link is served by the gateway', async () => {
    const page = await get('/docs');
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    const links = linksOf(page.body);
    assert.ok(links.length >= 5, links.join(', '));
    for (const link of links) {
      assert.ok(link.startsWith('/'), `${link} is not on this origin (no CDN)`);
      const response = await get(link);
      assert.equal(response.statusCode, 200, link);
      assert.ok(response.body.length > 0, link);
    }
    const script = await get('/docs/assets/init.js');
    assert.match(script.body, /url: '\/openapi\.json'/);
    assert.match(script.body, /validatorUrl: null/);
    const bundle = await get('/docs/assets/swagger-ui-bundle.js');
    assert.equal(bundle.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.ok(bundle.body.length > 100_000, 'Swagger UI comes from node_modules');
  });

  test('/docs/ redirects to /docs; an unknown asset is a 404 envelope', async () => {
    const slash = await get('/docs/');
    assert.equal(slash.statusCode, 301);
    assert.equal(slash.headers.location, '/docs');
    for (const url of ['/docs/assets/package.json', '/docs/assets/..%2Fpackage.json']) {
      const missing = await get(url);
      assert.equal(missing.statusCode, 404, url);
      assert.equal(missing.json().error.code, 'NOT_FOUND');
    }
  });

  test('the reference does not use up the per-IP bucket, the API still does', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await get('/docs')).statusCode, 200);
    const api = () => get('/api/v1/chats');
    assert.equal((await api()).statusCode, 401, 'the one request a minute');
    const limited = await api();
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});
