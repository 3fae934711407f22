import { randomInt } from 'node:crypto';
import { connectNats, jetstream } from '@wa/pkg/bus';
import { createPgPool, createRedis, waitForRedis } from '@wa/pkg/db';
import {
  createTestDatabase,
  expectError,
  expectOk,
  inject,
  makeUser,
  testLogger,
  testStores,
  type Envelope,
  type Reply,
  type TestUser,
} from '@wa/pkg/testing';
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

export type { Envelope, Reply } from '@wa/pkg/testing';

/**
 * A real user app over a PostgreSQL database of its own (so its outbox relay publishes only this
 * file's events), the test Redis and NATS; `close()` releases everything.
 */
export async function startUserApp(overrides: Record<string, string> = {}) {
  const log = testLogger('user-service');
  const database = await createTestDatabase('user');
  const config = testConfig({ DATABASE_URL: database.url, ...overrides });
  const pool = createPgPool({ url: config.postgres.url, log });
  const redis = createRedis({ url: config.redisUrl, log });
  await waitForRedis(redis);
  const nc = await connectNats({ url: config.nats.url, name: 'user-service-test', log });
  const built = buildUserApp({ config, pool, redis, js: jetstream(nc), log });
  const { http: app, services } = built;
  const { outbox } = services;
  outbox.start();
  await app.ready();

  /** Calls a route as `caller` (the identity headers the gateway would set) or anonymously. */
  const call = (
    caller: TestUser | undefined,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => inject(app, { as: caller, method, url, body, headers });

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
      await pool.end();
      await database.drop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startUserApp>>;

/** Asserts an error envelope with the status and code. */
export const assertError = (res: Reply, status: number, code: string): void =>
  void expectError(res, status, code);

export const assertOk = (res: Reply): Envelope['data'] => expectOk(res);

/** The fields named in a 400's details. */
export const fieldsOf = (res: Reply): string[] =>
  (res.body.error?.details ?? []).map((detail) => detail.field ?? '');

/** The identity the gateway would forward for a test user. */
export const asCaller = (user: TestUser) => ({ userId: user.id, phone: user.phone });

/** A valid number in a range (+49 160) that no test or seed registers, so it never matches a user. */
export const unregisteredPhone = (): string =>
  `+49160${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
