import { randomUUID } from 'node:crypto';
import { connectRedis, createPgPool, type PgPool, type Redis } from '@wa/pkg/db';
import { createServiceProbes } from '@wa/pkg/health';
import { createTestDatabase, makeUser, testLogger, testStores } from '@wa/pkg/testing';
import { createDeviceTokens } from '../src/repository/device-tokens.ts';
import type { FcmClient } from '../src/repository/fcm-client.ts';
import { createPushMarks } from '../src/repository/push-marks.ts';
import { createPushDelivery, type Push } from '../src/service/push-delivery.ts';
import { createPushMetrics, type PushOutcome } from '../src/service/push-metrics.ts';

/**
 * The stores push delivery runs on: a migrated PostgreSQL database of its own (device tokens),
 * the test Redis (marks, under fresh push keys).
 */
export async function openDeliveryStores() {
  const log = testLogger('notification-service');
  const database = await createTestDatabase('notification');
  const pool: PgPool = createPgPool({ url: database.url, max: 4, log });
  const redis: Redis = await connectRedis(testStores.redisUrl, log);
  return {
    pool,
    redis,
    log,
    /** A fresh user holding `tokens`, registered in this order. */
    async userWith(tokens: string[]): Promise<string> {
      const user = await makeUser(pool);
      for (const token of tokens)
        await pool.query('INSERT INTO device_tokens (user_id, token) VALUES ($1, $2)', [
          user.id,
          token,
        ]);
      return user.id;
    },
    /** The user's tokens as the table holds them now. */
    async tokensOf(userId: string): Promise<string[]> {
      return (await createDeviceTokens(pool).ofUsers([userId])).get(userId) ?? [];
    },
    async close() {
      await redis.quit();
      await pool.end();
      await database.drop();
    },
  };
}

export type DeliveryStores = Awaited<ReturnType<typeof openDeliveryStores>>;

export interface DeliveryOptions {
  maxAttempts?: number;
  retryBaseMs?: number;
  concurrency?: number;
  random?: () => number;
}

/** A push delivery on the real stores with metrics of its own, and how to read them. */
export function deliveryOver(
  stores: DeliveryStores,
  fcm: Pick<FcmClient, 'send'>,
  options: DeliveryOptions = {},
) {
  const probes = createServiceProbes('notification-service');
  const delivery = createPushDelivery({
    fcm,
    tokens: createDeviceTokens(stores.pool),
    marks: createPushMarks(stores.redis),
    metrics: createPushMetrics(probes),
    log: stores.log,
    maxAttempts: options.maxAttempts ?? 5,
    retryBaseMs: options.retryBaseMs ?? 5,
    concurrency: options.concurrency ?? 8,
    random: options.random,
  });
  return {
    delivery,
    /** How many pushes `notification_pushes_total` counted with `outcome`. */
    count: async (outcome: PushOutcome): Promise<number> => {
      const counter = probes.metrics.getSingleMetric('notification_pushes_total');
      const values = counter ? (await counter.get()).values : [];
      return values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
    },
    /** The exposition text, as `/metrics` serves it. */
    text: () => probes.metrics.metrics(),
  };
}

/** A push of `data` to `tokens` under a fresh key. */
export function pushOf(userId: string, tokens: string[], overrides: Partial<Push> = {}): Push {
  return {
    key: randomUUID(),
    userId,
    tokens,
    data: { type: 'new_message', body: 'hello' },
    chatType: 'direct',
    eventAt: Date.now(),
    ...overrides,
  };
}
