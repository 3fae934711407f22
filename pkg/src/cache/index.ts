export { createTtlCache, type TtlCache, type TtlCacheSettings } from './ttl-cache.ts';
export {
  STAMP_TTL_SECONDS,
  STAMPED_CACHE_TTL_MS,
  chatStamp,
  createStampReader,
  createStampWriter,
  createStampedCache,
  renewAfter,
  userStamp,
  type StampReader,
  type StampWriter,
  type StampedCache,
  type StampedCacheSettings,
} from './freshness.ts';
export { createTokenBuckets, type BucketDecision, type TokenBuckets } from './token-buckets.ts';
export { createRateLimit, type RateLimit, type RateLimitDeps } from './rate-limit.ts';
