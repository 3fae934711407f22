/** One authenticated socket as the rest of the service sees it; transport details stay in handler/. */
export interface LocalConnection {
  readonly id: string;
  readonly userId: string;
  /**
   * Queues an already-encoded text frame (a string, or its UTF-8 bytes as Redis delivers them);
   * a slow socket past its buffer cap is dropped instead.
   */
  push(frame: string | Buffer): void;
  /** Resolves when the socket's queue has drained (false if it closed meanwhile). */
  drained(): Promise<boolean>;
}

/** Which users have which sockets on this instance (tinode's hub, without the routing). */
export function createRegistry() {
  const byUser = new Map<string, Set<LocalConnection>>();
  let connections = 0;

  return {
    /** Adds the connection; returns the user's local connection count before and after. */
    add(connection: LocalConnection): { before: number; after: number } {
      let set = byUser.get(connection.userId);
      if (!set) byUser.set(connection.userId, (set = new Set()));
      const before = set.size;
      set.add(connection);
      connections += set.size - before;
      return { before, after: set.size };
    },

    remove(connection: LocalConnection): { before: number; after: number } {
      const set = byUser.get(connection.userId);
      if (!set) return { before: 0, after: 0 };
      const before = set.size;
      set.delete(connection);
      connections -= before - set.size;
      if (set.size === 0) byUser.delete(connection.userId);
      return { before, after: set.size };
    },

    connectionsOf(userId: string): ReadonlySet<LocalConnection> {
      return byUser.get(userId) ?? new Set();
    },

    userIds(): string[] {
      return [...byUser.keys()];
    },

    connections(): LocalConnection[] {
      return [...byUser.values()].flatMap((set) => [...set]);
    },

    counts(): { users: number; connections: number } {
      return { users: byUser.size, connections };
    },
  };
}

export type Registry = ReturnType<typeof createRegistry>;
