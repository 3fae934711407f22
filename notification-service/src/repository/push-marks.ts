import type { Redis } from '@wa/pkg/db';

/** How long a finished push is remembered: longer than any event is redelivered for. */
const MARK_TTL_SECONDS = 3_600;

const markKey = (pushKey: string, token: string) => `push:done:${pushKey}:${token}`;

/**
 * Which device tokens a push (an event's, or a window's) has already been settled for, so a
 * redelivered event or a retried window never reaches a device twice.
 */
export function createPushMarks(redis: Redis) {
  return {
    /** The tokens of `tokens` already settled for `pushKey`. */
    async settled(pushKey: string, tokens: readonly string[]): Promise<Set<string>> {
      if (tokens.length === 0) return new Set();
      const found = await redis.mget(...tokens.map((token) => markKey(pushKey, token)));
      return new Set(tokens.filter((_, i) => found[i] !== null));
    },

    async settle(pushKey: string, token: string): Promise<void> {
      await redis.set(markKey(pushKey, token), '1', 'EX', MARK_TTL_SECONDS);
    },
  };
}

export type PushMarks = ReturnType<typeof createPushMarks>;
