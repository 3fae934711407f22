import type { Redis } from '@wa/pkg/db';

/**
 * Leaves one instance's entry and drops entries whose TTL has passed (their instance died or
 * stopped refreshing); when none is left the user is offline and both keys go. Runs as one
 * script so two instances reporting at once cannot both leave a stale "online" behind.
 * KEYS: presence:<id>, presence:instances:<id>. ARGV: instance id, now (ms).
 * Returns 1 when the user is still online through another instance, 0 when now offline.
 */
const LEAVE_SCRIPT = `
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[2]) > 0 then return 1 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[3])
return 0
`;

/**
 * Takes up to ARGV[2] users whose presence lapsed before ARGV[1] off the expiry index, keeping
 * only those with no online key left (a refresh from another clock may have renewed one).
 * KEYS: presence:expiries. ARGV: now (ms), limit, online-key prefix. Returns [id, score, …].
 */
const SWEEP_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local lapsed = {}
for i = 1, #due, 2 do
  redis.call('ZREM', KEYS[1], due[i])
  if redis.call('EXISTS', ARGV[3] .. due[i]) == 0 then
    table.insert(lapsed, due[i])
    table.insert(lapsed, due[i + 1])
  end
end
return lapsed
`;

/** Every online user scored by when their presence lapses unless refreshed. */
const EXPIRIES_KEY = 'presence:expiries';
const ONLINE_PREFIX = 'presence:';

/**
 * Presence in Redis (PRD §5.3): `presence:<user_id>` = "online" with a TTL is what readers check;
 * `presence:instances:<user_id>` is a sorted set of the websocket-service instances holding the
 * user, scored by when each entry expires, so leaving one instance keeps the user online while
 * another still holds them.
 */
export function createPresenceRepository(redis: Redis, ttlSeconds: number) {
  const ttlMs = ttlSeconds * 1_000;
  // Ids arrive lower-case (the edges normalise them), so one user has one key.
  const onlineKey = (userId: string) => `${ONLINE_PREFIX}${userId}`;
  const instancesKey = (userId: string) => `presence:instances:${userId}`;

  return {
    ttlSeconds,

    /** Marks the users online through `instanceId` until now + TTL (a join or a heartbeat). */
    async markOnline(
      userIds: readonly string[],
      instanceId: string,
      now = Date.now(),
    ): Promise<void> {
      if (userIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const userId of userIds) {
        pipeline
          .zadd(instancesKey(userId), now + ttlMs, instanceId)
          .pexpire(instancesKey(userId), ttlMs)
          .set(onlineKey(userId), 'online', 'PX', ttlMs)
          .zadd(EXPIRIES_KEY, 'GT', now + ttlMs, userId);
      }
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error !== null);
      if (!results || failed) throw failed?.[0] ?? new Error('redis pipeline aborted');
    },

    /** The user left `instanceId`; true when another instance still holds them. */
    async leave(userId: string, instanceId: string, now = Date.now()): Promise<boolean> {
      const stillOnline = await redis.eval(
        LEAVE_SCRIPT,
        3,
        onlineKey(userId),
        instancesKey(userId),
        EXPIRIES_KEY,
        instanceId,
        now,
        userId,
      );
      return stillOnline === 1;
    },

    /**
     * Users whose presence lapsed by `now` without an offline report, each handed out once
     * whoever asks, with the moment it lapsed.
     */
    async takeLapsed(now: number, limit: number): Promise<{ userId: string; lapsedAt: Date }[]> {
      const flat = (await redis.eval(
        SWEEP_SCRIPT,
        1,
        EXPIRIES_KEY,
        now,
        limit,
        ONLINE_PREFIX,
      )) as string[];
      const lapsed: { userId: string; lapsedAt: Date }[] = [];
      for (let i = 0; i < flat.length; i += 2)
        lapsed.push({ userId: flat[i], lapsedAt: new Date(Number(flat[i + 1])) });
      return lapsed;
    },

    async isOnline(userId: string): Promise<boolean> {
      return (await redis.exists(onlineKey(userId))) === 1;
    },

    /** Online state of each user, in the order given, with one round trip. */
    async areOnline(userIds: readonly string[]): Promise<boolean[]> {
      if (userIds.length === 0) return [];
      const values = await redis.mget(userIds.map(onlineKey));
      return values.map((value) => value !== null);
    },
  };
}

export type PresenceRepository = ReturnType<typeof createPresenceRepository>;
