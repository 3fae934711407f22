import { createRedisScript, type Redis } from '@wa/pkg/db';

const WATCHERS_TTL_SECONDS = 3_600;
const watchersKey = (userId: string) => `presence:watchers:${userId}`;
const typingKey = (chatId: string, userId: string) => `typing:${chatId}:${userId}`;
const sendRateKey = (userId: string) => `rate:ws:${userId}:message.send`;

/**
 * Counts a send in its window and answers the count and the window's time left: one command
 * where a MULTI took five, so the sends of one event-loop turn share one write (auto-pipelining
 * leaves MULTI out). The window starts at the first send (PEXPIRE NX).
 */
const COUNT_SEND = createRedisScript(`
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1], 'NX')
return { count, redis.call('PTTL', KEYS[1]) }
`);

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
      const windowMs = windowSeconds * 1_000;
      const [count, ttl] = (await COUNT_SEND.run(redis, [sendRateKey(userId)], [windowMs])) as [
        number,
        number,
      ];
      const ttlMs = ttl > 0 ? ttl : windowMs;
      return { count, ttlMs };
    },
  };
}

export type RealtimeStore = ReturnType<typeof createRealtimeStore>;
