export interface TtlCacheSettings<V> {
  /** Most entries kept; the least recently used goes first. 0 keeps nothing. */
  maxEntries: number;
  /** How long an entry is served; `Infinity` for values that never change. */
  ttlMs: number;
  /** A shorter life for one value (a token that expires sooner); 0 or less is not stored. */
  ttlFor?: (value: V) => number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

interface Load<V> {
  promise: Promise<V>;
}

export interface TtlCache<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  /**
   * The cached value, else `load(key)`, stored on success. Concurrent misses of one key share one
   * load; a failed load is not remembered; a load overtaken by `delete` is answered but not stored.
   */
  getOrLoad(key: K, load: (key: K) => Promise<V>): Promise<V>;
  /** Drops the entry and forgets any load in flight for it (its data may predate the change). */
  delete(key: K): void;
  clear(): void;
  readonly size: number;
}

/**
 * The one in-process cache: size-bounded (least recently used evicted, as a Map iterates in
 * insertion order and a hit re-inserts), entries expire after a TTL, loads are coalesced.
 */
export function createTtlCache<K, V>({
  maxEntries,
  ttlMs,
  ttlFor,
  now = Date.now,
}: TtlCacheSettings<V>): TtlCache<K, V> {
  const entries = new Map<K, Entry<V>>();
  const loads = new Map<K, Load<V>>();

  function get(key: K): V | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    entries.delete(key);
    if (entry.expiresAt <= now()) return undefined;
    entries.set(key, entry);
    return entry.value;
  }

  function set(key: K, value: V): void {
    const life = Math.min(ttlMs, ttlFor ? ttlFor(value) : ttlMs);
    entries.delete(key);
    if (maxEntries <= 0 || !(life > 0)) return;
    entries.set(key, { value, expiresAt: now() + life });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  }

  function getOrLoad(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const hit = get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = loads.get(key);
    if (pending) return pending.promise;
    const current: Load<V> = {
      promise: load(key).then(
        (value) => {
          if (loads.get(key) === current) {
            loads.delete(key);
            set(key, value);
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
    return current.promise;
  }

  return {
    get,
    set,
    getOrLoad,
    delete(key) {
      entries.delete(key);
      loads.delete(key);
    },
    clear() {
      entries.clear();
      loads.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
