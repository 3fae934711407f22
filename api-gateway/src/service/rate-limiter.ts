import { rateLimited } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import type { TokenBuckets } from '../repository/rate-limit-repository.ts';

export interface RateLimiterDeps {
  buckets: TokenBuckets;
  log: Logger;
  ipPerMinute: number;
  userPerMinute: number;
  /** A limiter slower than this is treated as down. */
  timeoutMs?: number;
  now?: () => number;
}

const MINUTE_MS = 60_000;
const WARNING_INTERVAL_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`rate limiter did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** PRD §11.3: token buckets per IP (every request) and per user (authenticated requests). */
export function createRateLimiter({
  buckets,
  log,
  ipPerMinute,
  userPerMinute,
  timeoutMs = 250,
  now = Date.now,
}: RateLimiterDeps) {
  let lastWarningAt = Number.NEGATIVE_INFINITY;

  async function consume(key: string, perMinute: number): Promise<void> {
    let decision;
    try {
      decision = await withTimeout(
        buckets.take(key, perMinute, perMinute / MINUTE_MS, now()),
        timeoutMs,
      );
    } catch (error) {
      // Fail open: the limiter protects the API, so losing Redis must not take the API down with it.
      // One warning per interval keeps an outage from flooding the logs.
      if (now() - lastWarningAt >= WARNING_INTERVAL_MS) {
        lastWarningAt = now();
        log.warn({ err: error }, 'rate limiter unavailable; allowing requests');
      }
      return;
    }
    if (!decision.allowed) throw rateLimited(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  }

  return {
    checkIp: (ip: string) => consume(`rate:ip:${ip}`, ipPerMinute),
    checkUser: (userId: string) => consume(`rate:user:${userId}`, userPerMinute),
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
