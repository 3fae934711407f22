import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startStack, type Stack } from '@wa/pkg/testing';
import { collectServiceRoutes } from '../scripts/api-docs/service-routes.ts';
import { closeAgent, send } from './fuzz/client.ts';
import { httpProblems } from './fuzz/oracle.ts';
import { FUZZ_ROUTES, pathArbitrary, type FuzzRoute } from './fuzz/rest-routes.ts';
import { FuzzReport, checkAll, fuzzSettings } from './fuzz/settings.ts';
import { bodyFor, encodeQuery, queryFor } from './fuzz/values.ts';
import { createWorld, snapshot, type FuzzWorld } from './fuzz/world.ts';

/*
 * Issue 11, "Bad input everywhere": every /api/v1 route through the real gateway, with spoiled
 * bodies, malformed JSON, odd content types, bad path segments and repeated query parameters.
 * Every answer is a 2xx or 4xx envelope without internals, within a bounded time; a rejected
 * input changes nothing the caller can read; every process is alive afterwards.
 */

let stack: Stack | undefined;
let world: FuzzWorld;
const report = new FuzzReport();

before(async () => {
  stack = await startStack({
    services: ['user-service', 'chat-service', 'media-service', 'message-service'],
    logLevel: 'fatal',
    // A deep pass outlasts the default 15 min access token.
    env: { 'auth-service': { ACCESS_TOKEN_TTL_SECONDS: '86400' } },
  });
  world = await createWorld(stack);
});

after(async () => {
  report.write('fuzz-rest', 'route');
  closeAgent();
  await stack?.stop();
});

const inputFor = (route: FuzzRoute) => {
  const [method] = route.name.split(' ');
  const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)
    ? bodyFor(route.body?.(world))
    : fc.constant({ text: undefined, contentType: undefined, kind: 'none' as const });
  return fc.record({
    path: pathArbitrary(route, world),
    query: queryFor(route.query ?? []),
    body,
  });
};

async function fuzzRoute(route: FuzzRoute): Promise<void> {
  const [method] = route.name.split(' ');
  const origin = stack!.gateway;
  let before = await snapshot(origin, world, route.changes);
  await checkAll(route.name, inputFor(route), async ({ path, query, body }) => {
    const answer = await send(origin, {
      method,
      path: `${path}${encodeQuery(query)}`,
      token: route.anonymous ? undefined : world.caller.token,
      body: body.text,
      contentType: body.contentType,
    });
    report.count(route.name, `${answer.status}`);
    const problems = httpProblems(answer, { alsoAllowed: route.alsoAllowed });
    assert.deepEqual(problems, [], `${answer.status} ${answer.text.slice(0, 500)}`);
    if (answer.status < 300 && route.accepted) {
      const data = (JSON.parse(answer.text) as { data: unknown }).data;
      assert.equal(route.accepted(data, path), undefined);
    }
    const after = await snapshot(origin, world, route.changes);
    if (answer.status >= 400) assert.equal(after, before, 'a rejected input changed a record');
    before = after;
  });
}

describe('fuzzing every REST route through the gateway', () => {
  test('the route list covers every route the services register', async () => {
    // The routes as the services register them (the API reference collects them the same way).
    const registered = (await collectServiceRoutes()).flatMap(({ routes }) =>
      routes.map((route) => `${route.method} ${route.url}`),
    );
    assert.ok(registered.length > 25, `found only ${registered.length} routes`);
    const listed = new Set(FUZZ_ROUTES.map((route) => route.name));
    assert.deepEqual(
      registered.filter((route) => !listed.has(route)),
      [],
    );
  });

  for (const route of FUZZ_ROUTES) {
    test(`${route.name}: ${fuzzSettings.runs} inputs, each a 2xx/4xx envelope`, () =>
      fuzzRoute(route));
  }

  test('every service is alive after the pass', async () => {
    for (const service of stack!.services)
      assert.equal(service.process.exitCode, null, service.name);
    const health = await send(stack!.gateway, { method: 'GET', path: '/health' });
    assert.equal(health.status, 200, health.text);
    for (const name of [
      'auth-service',
      'user-service',
      'chat-service',
      'message-service',
    ] as const) {
      const answer = await send(stack!.http(name), { method: 'GET', path: '/health' });
      assert.equal(answer.status, 200, `${name}: ${answer.text}`);
    }
  });
});
