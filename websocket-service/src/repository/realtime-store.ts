import type { Redis } from '@wa/pkg/db';

const WATCHERS_TTL_SECONDS = 3_600;
const watchersKey = (userId: string) => `presence:watchers:${userId}`;
const typingKey = (chatId: string, userId: string) => `typing:${chatId}:${userId}`;
const sendRateKey = (userId: string) => `rate:ws:${userId}:message.send`;

/** The websocket-service's own Redis state: presence watchers, typing keys, send rate windows. */
export function createRealtimeStore(redis: Redis) {
  return {
    /** `watcherId` wants `presence` frames for each of `userIds` (kept an hour; clients resubscribe on connect). */
    async addWatcher(watcherId: string, userIds: readonly string[]): Promise<void> {
      if (userIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const userId of userIds) {
        pipeline.sadd(watchersKey(userId), watcherId);
        pipeline.expire(watchersKey(userId), WATCHERS_TTL_SECONDS);
      }
      await pipeline.exec();
    },

    async watchersOf(userId: string): Promise<string[]> {
      return redis.smembers(watchersKey(userId));
    },

    /** PRD §5.3: `typing:<chat_id>:<user_id>` = "1" for 5 s. */
    async setTyping(
      chatId: string,
      userId: string,
      typing: boolean,
      ttlSeconds = 5,
    ): Promise<void> {
      if (typing) await redis.set(typingKey(chatId, userId), '1', 'EX', ttlSeconds);
      else await redis.del(typingKey(chatId, userId));
    },

    /** Counts one send in the user's current window; shared by all devices and instances. */
    async countSend(
      userId: string,
      windowSeconds: number,
    ): Promise<{ count: number; ttlMs: number }> {
      const key = sendRateKey(userId);
      const results = await redis
        .multi()
        .incr(key)
        .pexpire(key, windowSeconds * 1_000, 'NX')
        .pttl(key)
        .exec();
      const count = Number(results?.[0]?.[1] ?? 0);
      const ttlMs = Number(results?.[2]?.[1] ?? windowSeconds * 1_000);
      return { count, ttlMs };
    },
  };
}

export type RealtimeStore = ReturnType<typeof createRealtimeStore>;
