import { createRedisScript, type Redis } from '../db/index.ts';

/**
 * Token bucket, atomic in Redis. KEYS[1] = bucket; ARGV = capacity, refill (tokens per ms), now (ms).
 * Returns {allowed (1|0), retry_after_ms}. A clock behind the stored timestamp (another gateway
 * instance) refills nothing rather than moving the bucket back in time. The key expires once the
 * bucket would be full again, so idle clients leave nothing behind. EPSILON absorbs float drift so a
 * client that waits exactly the advertised retry-after is let through.
 */
const TOKEN_BUCKET = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local EPSILON = 1e-9
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
end
local allowed = 0
local retry_after = 0
if tokens >= 1 - EPSILON then
  tokens = math.max(0, tokens - 1)
  allowed = 1
else
  retry_after = math.ceil((1 - tokens) / rate - 1e-6)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {allowed, retry_after}
`;

const TOKEN_BUCKET_SCRIPT = createRedisScript(TOKEN_BUCKET);

export interface BucketDecision {
  allowed: boolean;
  retryAfterMs: number;
}

export interface TokenBuckets {
  take(key: string, capacity: number, refillPerMs: number, nowMs: number): Promise<BucketDecision>;
}

/** The buckets of the gateway's API limits and the media-service's upload limit (PRD §11.3). */
export function createTokenBuckets(redis: Redis): TokenBuckets {
  return {
    async take(key, capacity, refillPerMs, nowMs) {
      const reply = await TOKEN_BUCKET_SCRIPT.run(redis, [key], [capacity, refillPerMs, nowMs]);
      const [allowed, retryAfterMs] = reply as [number, number];
      return { allowed: allowed === 1, retryAfterMs };
    },
  };
}
