import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { connectNats, jetstream } from '@wa/pkg/bus';
import { createPgPool, createRedis, waitForRedis } from '@wa/pkg/db';
import { makeUser, testLogger, testStores, type TestUser } from '@wa/pkg/testing';
import { buildUserApp } from '../src/app.ts';
import { loadUserConfig } from '../src/config.ts';

export function testConfig(overrides: Record<string, string> = {}) {
  return loadUserConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testStores.databaseUrl,
    REDIS_URL: testStores.redisUrl,
    NATS_URL: testStores.natsUrl,
    ...overrides,
  });
}

export interface Envelope {
  success: boolean;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shapes differ per route
  error: { code: string; message: string; details?: { field?: string; message: string }[] } | null;
  meta: { request_id: string; timestamp: string };
}

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: Envelope;
}

/**
 * A real user app over the test PostgreSQL database, Redis and NATS, its events relayed from an
 * outbox table of its own; `close()` releases everything.
 */
export async function startUserApp(overrides: Record<string, string> = {}) {
  const log = testLogger('user-service');
  const outboxTable = `outbox_user_${randomUUID().replaceAll('-', '')}`;
  const config = testConfig({ OUTBOX_TABLE: outboxTable, ...overrides });
  const pool = createPgPool({ url: config.postgres.url, log });
  await pool.query(`CREATE TABLE ${outboxTable} (LIKE user_outbox INCLUDING ALL)`);
  const redis = createRedis({ url: config.redisUrl, log });
  await waitForRedis(redis);
  const nc = await connectNats({ url: config.nats.url, name: 'user-service-test', log });
  const built = buildUserApp({ config, pool, redis, js: jetstream(nc), log });
  const { http: app, services } = built;
  const { outbox } = services;
  outbox.start();
  await app.ready();

  /** Calls a route as `caller` (the identity headers the gateway would set) or anonymously. */
  async function call(
    caller: TestUser | undefined,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (caller) {
      headers['x-user-id'] = caller.id;
      headers['x-user-phone'] = caller.phone;
    }
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await app.inject({
      method,
      url,
      headers,
      ...(body === undefined
        ? {}
        : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.json<Envelope>(),
    };
  }

  return {
    app,
    services,
    pool,
    redis,
    config,
    call,
    makeUser: (overrides: Parameters<typeof makeUser>[1] = {}) => makeUser(pool, overrides),
    nc,
    outbox,
    close: async () => {
      await app.close();
      await outbox.stop();
      await nc.close();
      await redis.quit();
      await pool.query(`DROP TABLE IF EXISTS ${outboxTable}`);
      await pool.end();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startUserApp>>;

/** Asserts an error envelope with the status and code. */
export function assertError(res: Reply, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.success, false);
  assert.equal(res.body.data, null);
  assert.equal(res.body.error?.code, code);
  assert.ok(res.body.error?.message);
  assert.ok(res.body.meta.request_id);
}

export function assertOk(res: Reply): Envelope['data'] {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.success, true);
  assert.equal(res.body.error, null);
  return res.body.data;
}

/** The fields named in a 400's details. */
export const fieldsOf = (res: Reply): string[] =>
  (res.body.error?.details ?? []).map((detail) => detail.field ?? '');

/** The identity the gateway would forward for a test user. */
export const asCaller = (user: TestUser) => ({ userId: user.id, phone: user.phone });

/** A valid number in a range (+49 160) that no test or seed registers, so it never matches a user. */
export const unregisteredPhone = (): string =>
  `+49160${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
