import { createHash } from 'node:crypto';
import type { Redis } from './redis.ts';

export interface RedisScript {
  /** Runs the script by its SHA-1, sending its source once when Redis does not know it yet. */
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/** A Lua script run atomically in Redis, loaded on first use (or again after SCRIPT FLUSH). */
export function createRedisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
