import { before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { collectApiRoutes, routeSchemaProblems, type ServiceRoutes } from '@wa/pkg/api-docs';
import { Envelope, IdParams, NoQuery } from '@wa/pkg/http';
import {
  API_DOC_FILES,
  REGENERATE_COMMAND,
  generateApiDocs,
  schemaProblemsOf,
  serialise,
} from '../../scripts/api-docs/documents.ts';
import { collectServiceRoutes } from '../../scripts/api-docs/service-routes.ts';
import { API_ROUTES } from '../src/model/routes.ts';

/*
 * The committed reference documents are what the code generates, and every public route carries
 * the schemas the reference is made from (issue 16).
 */

let services: ServiceRoutes[];

before(async () => {
  services = await collectServiceRoutes();
});

describe('the committed API reference', () => {
  test('matches what the route and frame schemas generate', async () => {
    const generated = await generateApiDocs();
    for (const name of ['openapi', 'asyncapi'] as const) {
      const path = API_DOC_FILES[name];
      const committed = await readFile(path, 'utf8').catch(() => '(missing)');
      assert.ok(
        committed === serialise(generated[name]),
        `${relative(process.cwd(), path)} is stale: run \`${REGENERATE_COMMAND}\` and commit it`,
      );
    }
  });
});

describe('every public REST route', () => {
  test('has a summary, query, params, body and success response schema', () => {
    assert.ok(services.flatMap((service) => service.routes).length >= 35);
    assert.deepEqual(schemaProblemsOf(services), []);
  });

  test('is forwarded by the gateway to the service that registers it', async () => {
    // The gateway's route table, mounted the way its proxies mount it, answering the owner's name.
    const router = Fastify();
    for (const entry of API_ROUTES) {
      await router.register(
        async (scope) => {
          for (const path of entry.routes) scope.all(path, async () => entry.service);
        },
        { prefix: entry.prefix },
      );
    }
    const misrouted: string[] = [];
    for (const { service, routes } of services) {
      for (const route of routes) {
        const url = route.url.replace(/:\w+/g, randomUUID());
        const answer = await router.inject({ method: route.method, url });
        if (answer.body !== service)
          misrouted.push(`${route.method} ${route.url} → ${answer.body}`);
      }
    }
    await router.close();
    assert.deepEqual(misrouted, []);
  });

  test('a route missing a schema is reported, naming the route and what is missing', async () => {
    const routes = await collectApiRoutes('example-service', (app) => {
      app.get('/api/v1/things/:id', async () => undefined);
      app.post(
        '/api/v1/things/:id/parts',
        { schema: { summary: 'Add a part', querystring: NoQuery, params: IdParams } },
        async () => undefined,
      );
      app.put(
        '/api/v1/things/:id',
        {
          schema: {
            summary: 'Replace a thing',
            querystring: NoQuery,
            params: Type.Object({ thingId: Type.String() }),
            body: Type.Object({ name: Type.String() }),
            response: { 200: Envelope(Type.Object({})) },
          },
        },
        async () => undefined,
      );
    });
    assert.deepEqual(
      routes.flatMap((route) => routeSchemaProblems(route)),
      [
        'GET /api/v1/things/:id has no schema',
        'POST /api/v1/things/:id/parts has no success response schema',
        'POST /api/v1/things/:id/parts has no body schema',
        'PUT /api/v1/things/:id has params [thingId], its path [id]',
      ],
    );
    const bodyless = new Set(['PUT /api/v1/things/:id']);
    assert.ok(
      routeSchemaProblems(routes[2], bodyless).includes(
        'PUT /api/v1/things/:id has a body but is listed as taking none',
      ),
    );
  });
});
