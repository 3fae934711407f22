import { createRedisScript, type Redis } from '@wa/pkg/db';

/*
 * Group push windows (addenda J), shared by every instance through Redis. A window is one
 * (chat, recipient): a hash `push:win:<chat>:<user>` with the message count and the latest
 * message, the message ids seen (`…:ids`, kept an hour so a redelivered event is not counted
 * twice), and its due time in the sorted set `push:due`. Each step is one script, so:
 * - the first message opens the window (due = now + window), later ones only count;
 * - a due window is claimed by exactly one instance: the claim bumps its `claim` number and moves
 *   its due time a lease ahead, so a claimer that dies is replaced once the lease runs out;
 * - finishing checks the claim is still this one's, and messages that came after the claim open
 *   the next window instead of being dropped.
 */

const WINDOWS = 'push:due';
const windowKey = (member: string) => `push:win:${member}`;
const idsKey = (member: string) => `push:win:${member}:ids`;
const SEEN_IDS_TTL_SECONDS = 3_600;

// One call per message for all its recipients: KEYS = the due set, then each recipient's window
// and ids keys; ARGV = message id, at, now, window, ids TTL, summary, then each recipient's member.
const ADD = createRedisScript(`
local counts = {}
for i = 1, #ARGV - 6 do
  local window, ids = KEYS[2 * i], KEYS[2 * i + 1]
  if redis.call('SADD', ids, ARGV[1]) == 0 then
    counts[i] = 0
  else
    redis.call('EXPIRE', ids, ARGV[5])
    counts[i] = redis.call('HINCRBY', window, 'count', 1)
    local lastAt = tonumber(redis.call('HGET', window, 'last_at') or '-1')
    if tonumber(ARGV[2]) >= lastAt then
      redis.call('HSET', window, 'last', ARGV[6], 'last_at', ARGV[2])
    end
    redis.call('ZADD', KEYS[1], 'NX', tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[6 + i])
  end
end
return counts
`);

const CLAIM = createRedisScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, member in ipairs(due) do
  local key = ARGV[4] .. member
  local state = redis.call('HMGET', key, 'count', 'last')
  if not state[1] or not state[2] then
    redis.call('ZREM', KEYS[1], member)
  else
    local claim = redis.call('HINCRBY', key, 'claim', 1)
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), member)
    table.insert(claimed, member)
    table.insert(claimed, tostring(claim))
    table.insert(claimed, state[1])
    table.insert(claimed, state[2])
  end
end
return claimed
`);

const FINISH = createRedisScript(`
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[2] then return -1 end
local rest = tonumber(redis.call('HGET', KEYS[1], 'count')) - tonumber(ARGV[3])
if rest <= 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], 'count', rest)
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[1])
return rest
`);

const POSTPONE = createRedisScript(`
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
return 1
`);

/** A due window, claimed by this instance. */
export interface ClaimedWindow {
  chatId: string;
  userId: string;
  claim: string;
  count: number;
  /** The latest message's summary, as added (JSON). */
  last: string;
}

export function createPushWindows(redis: Redis, now: () => number = Date.now) {
  const memberOf = (chatId: string, userId: string) => `${chatId}:${userId}`;
  return {
    /**
     * Counts `messageId` into each recipient's (chat, user) window, opening it for `windowMs` if
     * none is open; `summary` replaces a window's last message when `at` is not older. Per
     * recipient, in order: 0 when the message was counted already (a redelivery), else the
     * window's count. One script call for all of them (a 256-member group is one round trip).
     */
    async add(
      chatId: string,
      userIds: readonly string[],
      messageId: string,
      at: number,
      windowMs: number,
      summary: string,
    ): Promise<number[]> {
      if (userIds.length === 0) return [];
      const members = userIds.map((userId) => memberOf(chatId, userId));
      const reply = (await ADD.run(
        redis,
        [WINDOWS, ...members.flatMap((member) => [windowKey(member), idsKey(member)])],
        [messageId, at, now(), windowMs, SEEN_IDS_TTL_SECONDS, summary, ...members],
      )) as number[];
      return reply.map(Number);
    },

    /** Claims up to `limit` due windows for `leaseMs`. */
    async claimDue(limit: number, leaseMs: number): Promise<ClaimedWindow[]> {
      const reply = (await CLAIM.run(
        redis,
        [WINDOWS],
        [now(), leaseMs, limit, 'push:win:'],
      )) as string[];
      const claimed: ClaimedWindow[] = [];
      for (let i = 0; i + 3 < reply.length; i += 4) {
        const [chatId, userId] = reply[i].split(':');
        claimed.push({
          chatId,
          userId,
          claim: reply[i + 1],
          count: Number(reply[i + 2]),
          last: reply[i + 3],
        });
      }
      return claimed;
    },

    /**
     * Closes a pushed window; messages counted after the claim open the next one, due in
     * `windowMs`. False when the claim was lost (its lease ran out and another took it).
     */
    async finish(window: ClaimedWindow, windowMs: number): Promise<boolean> {
      const member = memberOf(window.chatId, window.userId);
      const reply = await FINISH.run(
        redis,
        [windowKey(member), WINDOWS],
        [member, window.claim, window.count, now() + windowMs],
      );
      return Number(reply) >= 0;
    },

    /** Gives a window whose push failed back, due again in `delayMs`. */
    async postpone(window: ClaimedWindow, delayMs: number): Promise<void> {
      const member = memberOf(window.chatId, window.userId);
      await POSTPONE.run(
        redis,
        [windowKey(member), WINDOWS],
        [member, window.claim, now() + delayMs],
      );
    },
  };
}

export type PushWindows = ReturnType<typeof createPushWindows>;
