import { createTtlCache } from '@wa/pkg/cache';
import { createWriteBatch } from '@wa/pkg/db';
import { createRemote, type Client, type UserService } from '@wa/pkg/grpc';

/** CheckPresences takes at most this many ids. */
const PRESENCE_BATCH = 1_000;

export interface Sender {
  name: string;
  avatarUrl: string;
}

/**
 * The user-service, spoken in domain types. Presence is asked every time (it changes by the
 * second), but the questions of concurrent pushes go together in one CheckPresences call; names
 * and avatars are cached a minute per viewer, as the viewer's privacy view of the sender (a hidden
 * photo stays hidden in a push too).
 */
export function createUserRemote(client: Client<typeof UserService>, profileTtlMs = 60_000) {
  const remote = createRemote('user-service', client);
  const profiles = createTtlCache<string, Sender>({ ttlMs: profileTtlMs, maxEntries: 50_000 });

  const isOnline = createWriteBatch(
    async (userIds: string[]) => {
      const answer = await remote.call((users) => users.checkPresences({ userIds }));
      const online = new Set(answer.onlineUserIds);
      return userIds.map((userId) => online.has(userId));
    },
    { maxBatch: PRESENCE_BATCH },
  );

  return {
    /** Whether the user holds a live WebSocket connection on any instance (raw, no privacy). */
    isOnline,

    /** Name (display name, else phone) and avatar of `userId` as `viewerId` may see them. */
    async profile(userId: string, viewerId: string): Promise<Sender> {
      return profiles.getOrLoad(`${userId} ${viewerId}`, async () => {
        const answer = await remote.call((users) =>
          users.getUsers({ userIds: [userId], viewerId }),
        );
        const user = answer.users[0];
        return user
          ? { name: user.displayName || user.phone, avatarUrl: user.avatarUrl }
          : { name: '', avatarUrl: '' };
      });
    },
  };
}

export type UserRemote = ReturnType<typeof createUserRemote>;
