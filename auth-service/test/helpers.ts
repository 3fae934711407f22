import { createPgPool, createRedis, waitForRedis } from '@wa/pkg/db';
import { testLogger, testStores } from '@wa/pkg/testing';
import { buildAuthApp } from '../src/app.ts';
import { loadAuthConfig } from '../src/config.ts';

export const TEST_JWT_SECRET = 'test-secret-for-auth-service-tests';

export function testConfig(overrides: Record<string, string> = {}) {
  return loadAuthConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: testStores.databaseUrl,
    REDIS_URL: testStores.redisUrl,
    OTP_FIXED_CODE: '123456',
    BCRYPT_ROUNDS: '4',
    ...overrides,
  });
}

/** A real auth app over the test PostgreSQL database and Redis; `close()` releases everything. */
export async function startAuthApp(overrides: Record<string, string> = {}) {
  const log = testLogger('auth-service');
  const config = testConfig(overrides);
  const pool = createPgPool({ url: config.postgres.url, log });
  const redis = createRedis({ url: config.redisUrl, log });
  await waitForRedis(redis);
  const built = buildAuthApp({ config, pool, redis, log });
  const app = built.http;
  const { auth } = built.services;
  await app.ready();
  return {
    app,
    auth,
    pool,
    redis,
    config,
    close: async () => {
      await app.close();
      await redis.quit();
      await pool.end();
    },
  };
}
