import { rateLimited } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { TokenBuckets } from './token-buckets.ts';

export interface RateLimitDeps {
  buckets: TokenBuckets;
  log: Logger;
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

/**
 * Per-minute limits on token buckets in Redis: `consume` resolves when the call is allowed and
 * throws 429 RATE_LIMITED with its Retry-After (whole seconds, at least 1) when not.
 */
export function createRateLimit({ buckets, log, timeoutMs = 250, now = Date.now }: RateLimitDeps) {
  let lastWarningAt = Number.NEGATIVE_INFINITY;

  return async function consume(key: string, perMinute: number, message?: string): Promise<void> {
    let decision;
    try {
      decision = await withTimeout(
        buckets.take(key, perMinute, perMinute / MINUTE_MS, now()),
        timeoutMs,
      );
    } catch (error) {
      // Fail open: a limiter protects the API, so losing Redis must not take the API down with it.
      // One warning per interval keeps an outage from flooding the logs.
      if (now() - lastWarningAt >= WARNING_INTERVAL_MS) {
        lastWarningAt = now();
        log.warn({ err: error }, 'rate limiter unavailable; allowing requests');
      }
      return;
    }
    if (!decision.allowed)
      throw rateLimited(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), message);
  };
}

export type RateLimit = ReturnType<typeof createRateLimit>;
