/**
 * A bounded map that evicts the least recently used entry. A Map iterates in insertion order,
 * so re-inserting on every hit keeps the oldest entry first.
 */
export function createLruCache<K, V>(maxEntries: number) {
  const entries = new Map<K, V>();
  return {
    get(key: K): V | undefined {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key: K, value: V): void {
      if (maxEntries <= 0) return;
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    delete: (key: K): boolean => entries.delete(key),
    get size(): number {
      return entries.size;
    },
  };
}

export type LruCache<K, V> = ReturnType<typeof createLruCache<K, V>>;
