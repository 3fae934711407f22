import { randomUUID } from 'node:crypto';
import type { Redis } from '../db/redis.ts';
import { serviceUnavailable } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { createTtlCache } from './ttl-cache.ts';

/*
 * Read-your-writes for cached permissions (issue 11). A "stamp" is a Redis key per subject (a
 * chat, a user) holding a random token. The service that owns the subject gives it a new token
 * after every change commits and before it answers; a reader caches each answer with the token it
 * read BEFORE loading it, and serves it only while the token is unchanged. One MGET per request
 * checks every subject it relies on, so a change the API acknowledged is seen by the very next
 * request on any instance, without waiting for an invalidation event.
 *
 * Tokens are random and never reused, so a stamp that vanishes (expiry, eviction, FLUSHALL) or
 * comes back older (a restart from a snapshot, a failover) can only cause a reload, never make a
 * stale entry look current: a missing stamp is created by the first reader (SET NX), and every
 * read is tagged with the reader's connection, so nothing cached across a reconnection is trusted.
 */

/**
 * How long a stamp lives untouched. Its expiry is safe (the next reader creates a new token, so
 * what was cached reloads once); long enough that a quiet chat is not reloaded for it every time.
 */
export const STAMP_TTL_SECONDS = 6_000;

/**
 * How long a stamped cache keeps an entry by default. Its stamp decides whether it is trusted, so
 * this only bounds how long an unused entry holds memory; a short TTL made a chat that sends a
 * message every half minute ask its owner every time (docs/benchmarks.md, issue 12).
 */
export const STAMPED_CACHE_TTL_MS = 600_000;

/** The stamp of a chat: its members, their roles and its posting rules. */
export const chatStamp = (chatId: string): string => `stamp:chat:${chatId}`;

/** The stamp of a user: whom they block and their privacy settings. */
export const userStamp = (userId: string): string => `stamp:user:${userId}`;

export interface StampWriter {
  /** Gives each stamp a new token; rejects unless Redis took them all. */
  renew(stamps: readonly string[]): Promise<void>;
}

export function createStampWriter(redis: Redis, ttlSeconds = STAMP_TTL_SECONDS): StampWriter {
  return {
    async renew(stamps) {
      const pipeline = redis.pipeline();
      for (const stamp of stamps) pipeline.set(stamp, randomUUID(), 'EX', ttlSeconds);
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    },
  };
}

/**
 * Runs a change to the subjects of `stamps`, then renews them before the caller answers, whatever
 * the change's outcome: a repeat that changes nothing, or a refusal, may follow an attempt that
 * committed but could not renew, and its answer acknowledges that state too. When Redis does not
 * take the renewal the answer is 503: a change readers might not see is never acknowledged.
 */
export async function renewAfter<T>(
  writer: StampWriter,
  stamps: readonly string[],
  change: () => Promise<T>,
): Promise<T> {
  const outcome = await change().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  try {
    await writer.renew(stamps);
  } catch (error) {
    throw serviceUnavailable('The change could not be made visible yet; try again', error);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

export interface StampReader {
  /**
   * The current token of each stamp, in order, as one opaque string each; undefined when Redis
   * cannot answer, and then no cached answer may be trusted.
   */
  read(stamps: readonly string[]): Promise<string[] | undefined>;
}

export function createStampReader(
  redis: Redis,
  log: Logger,
  ttlSeconds = STAMP_TTL_SECONDS,
): StampReader {
  // Bumped on every (re)connection: a Redis that came back may have lost or rolled back tokens.
  let connection = 0;
  redis.on('ready', () => connection++);
  let warned = false;

  /** Creates the missing stamps (first use, or expired): one round trip for all of them. */
  async function create(stamps: readonly string[]): Promise<string[]> {
    const pipeline = redis.pipeline();
    const tokens = stamps.map((stamp) => {
      const token = randomUUID();
      pipeline.set(stamp, token, 'EX', ttlSeconds, 'NX', 'GET');
      return token;
    });
    const results = (await pipeline.exec()) ?? [];
    return tokens.map((token, i) => {
      const [error, previous] = results[i] ?? [new Error('no answer')];
      if (error) throw error;
      // NX GET answers the token a concurrent writer or reader set first, else null: ours is set.
      return (previous as string | null) ?? token;
    });
  }

  /** The tokens of `stamps`, missing ones created. */
  async function tokensOf(stamps: readonly string[]): Promise<(string | null)[]> {
    const tokens = await redis.mget(...stamps);
    const missing = stamps.filter((_, i) => tokens[i] === null);
    if (missing.length > 0) {
      const created = await create(missing);
      for (let i = 0, m = 0; i < tokens.length; i++)
        if (tokens[i] === null) tokens[i] = created[m++];
    }
    return tokens;
  }

  /*
   * The reads asked for in one turn of the event loop share one MGET: every send and every read
   * receipt checks stamps, and each MGET was a command of its own in the client and in Redis.
   * A read still sees every renewal acknowledged before it was asked for, as the MGET leaves after.
   */
  let waiting: {
    stamps: readonly string[];
    settle: (tokens: Promise<(string | null)[]>) => void;
  }[] = [];
  function readWaiting(): void {
    const batch = waiting;
    waiting = [];
    const keys = [...new Set(batch.flatMap((read) => read.stamps))];
    const tokens = tokensOf(keys).then((found) => new Map(keys.map((key, i) => [key, found[i]])));
    for (const read of batch)
      read.settle(tokens.then((byKey) => read.stamps.map((stamp) => byKey.get(stamp) ?? null)));
  }

  return {
    async read(stamps) {
      const before = connection;
      try {
        const tokens = await new Promise<(string | null)[]>((resolve) => {
          if (waiting.length === 0) setImmediate(readWaiting);
          waiting.push({ stamps, settle: resolve });
        });
        if (connection !== before || tokens.includes(null)) return undefined;
        warned = false;
        return tokens.map((token) => `${before}:${token}`);
      } catch (error) {
        if (!warned) log.warn({ err: error }, 'stamps unreadable: cached permissions bypassed');
        warned = true;
        return undefined;
      }
    },
  };
}

export interface StampedCacheSettings {
  maxEntries: number;
  /** Bounds how long an entry is kept, not how long it is trusted: its stamp decides that. */
  ttlMs: number;
  now?: () => number;
}

export interface StampedCache<K, V> {
  /** What is cached for `key` under any stamp: tells a caller which other stamps to read. */
  peek(key: K): V | undefined;
  /**
   * The value cached under `stamp`, else `load(key)`, stored under `stamp` (read before the load
   * began). Concurrent loads under one stamp share a call. With no stamp (Redis unreachable) it
   * always loads and stores nothing.
   */
  getOrLoad(key: K, stamp: string | undefined, load: (key: K) => Promise<V>): Promise<V>;
  /** Drops the entry early (an invalidation event); the stamps would refuse it anyway. */
  delete(key: K): void;
  readonly size: number;
}

interface Stamped<V> {
  stamp: string;
  value: V;
}

/** A TTL cache whose entries are served only under the stamp they were loaded under. */
export function createStampedCache<K, V>(settings: StampedCacheSettings): StampedCache<K, V> {
  const entries = createTtlCache<K, Stamped<V>>(settings);
  const loads = new Map<K, Stamped<Promise<V>>>();

  return {
    peek: (key) => entries.get(key)?.value,
    getOrLoad(key, stamp, load) {
      if (stamp === undefined) return load(key);
      const hit = entries.get(key);
      if (hit?.stamp === stamp) return Promise.resolve(hit.value);
      const pending = loads.get(key);
      if (pending?.stamp === stamp) return pending.value;
      const current: Stamped<Promise<V>> = {
        stamp,
        value: load(key).then(
          (value) => {
            if (loads.get(key) === current) {
              loads.delete(key);
              entries.set(key, { stamp, value });
            }
            return value;
          },
          (error: unknown) => {
            if (loads.get(key) === current) loads.delete(key);
            throw error;
          },
        ),
      };
      loads.set(key, current);
      return current.value;
    },
    delete(key) {
      entries.delete(key);
      loads.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
