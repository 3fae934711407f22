import { createWriteBatch, type Redis } from '@wa/pkg/db';

/** How long a finished push is remembered: longer than any event is redelivered for. */
const MARK_TTL_SECONDS = 3_600;

const markKey = (pushKey: string, token: string) => `push:done:${pushKey}:${token}`;

/**
 * Which device tokens a push (an event's, or a window's) has already been settled for, so a
 * redelivered event or a retried window never reaches a device twice.
 */
export function createPushMarks(redis: Redis) {
  // Concurrent pushes share one round trip each way: one MGET, one pipeline of SETs.
  const isSettled = createWriteBatch(async (keys: string[]) =>
    (await redis.mget(...keys)).map((value) => value !== null),
  );
  const settle = createWriteBatch(async (keys: string[]) => {
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.set(key, '1', 'EX', MARK_TTL_SECONDS);
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    return keys.map(() => undefined);
  });

  return {
    /** The tokens of `tokens` already settled for `pushKey`. */
    async settled(pushKey: string, tokens: readonly string[]): Promise<Set<string>> {
      const found = await Promise.all(tokens.map((token) => isSettled(markKey(pushKey, token))));
      return new Set(tokens.filter((_, i) => found[i]));
    },

    async settle(pushKey: string, token: string): Promise<void> {
      await settle(markKey(pushKey, token));
    },
  };
}

export type PushMarks = ReturnType<typeof createPushMarks>;
