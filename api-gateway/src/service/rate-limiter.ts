import { createRateLimit, type RateLimitDeps } from '@wa/pkg/cache';

export interface RateLimiterDeps extends RateLimitDeps {
  ipPerMinute: number;
  userPerMinute: number;
}

/** PRD §11.3: token buckets per IP (every request) and per user (authenticated requests). */
export function createRateLimiter({ ipPerMinute, userPerMinute, ...deps }: RateLimiterDeps) {
  const consume = createRateLimit(deps);
  return {
    checkIp: (ip: string) => consume(`rate:ip:${ip}`, ipPerMinute),
    checkUser: (userId: string) => consume(`rate:user:${userId}`, userPerMinute),
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
