import { Redis } from 'ioredis';
import type { Logger } from '../log/index.ts';

export type { Redis };

export interface RedisSettings {
  url: string;
  log: Logger;
}

/**
 * Commands fail fast while Redis is down (no offline queue), so a request answers 503
 * instead of hanging; ioredis keeps reconnecting in the background. Commands issued in one turn
 * of the event loop go to Redis in one write (auto-pipelining): on this project's machines a
 * write system call to a local socket costs more CPU than anything done per command around it
 * (docs/benchmarks.md, issue 12), and a busy service issues many per turn.
 */
export function createRedis({ url, log }: RedisSettings): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  redis.on('error', (error: Error) => log.warn({ err: error }, 'redis connection error'));
  return redis;
}

/** Resolves once the client is connected, so start-up fails clearly when Redis is unreachable. */
export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

export async function pingRedis(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}

/** A client that is connected, so start-up fails clearly when Redis is unreachable. */
export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const redis = createRedis({ url, log });
  await waitForRedis(redis);
  return redis;
}
