import { eventMeta, publishEvent, type StreamPublish } from '@wa/pkg/bus';
import type { Logger } from '@wa/pkg/log';
import type { ServerEventData } from '@wa/pkg/ws';
import type { RealtimeStore } from '../repository/realtime-store.ts';
import type { UserRemote } from '../repository/user-remote.ts';
import { createPresenceVisibility } from './presence-visibility.ts';
import { presenceAnnouncement, type PresenceTransition } from './rules.ts';

export interface PresenceDeps {
  users: Pick<UserRemote, 'presences' | 'setPresence' | 'refreshPresence' | 'sweepExpiredPresence'>;
  js: StreamPublish;
  store: Pick<RealtimeStore, 'addWatcher'>;
  instanceId: string;
  log: Logger;
}

const REFRESH_BATCH = 10_000;
const SWEEP_BATCH = 500;

/**
 * Presence through the user-service's per-instance contract (proto/user/user.proto): online on a
 * user's first socket here, offline on the last, refreshed for all local users by the heartbeat.
 * Watchers hear of changes through `presence.changed` on the bus.
 */
export function createPresenceService({ users, js, store, instanceId, log }: PresenceDeps) {
  const presencesFor = (viewerId: string, userIds: readonly string[]) =>
    users.presences(viewerId, userIds);
  const visibility = createPresenceVisibility(users);

  async function announce(userId: string, transition: PresenceTransition): Promise<void> {
    if (transition === 'none') return;
    const report = await users.setPresence(userId, instanceId, transition === 'online');
    const announcement = presenceAnnouncement(transition, report);
    if (!announcement) return;
    await publishEvent(js, 'presence.changed', {
      ...eventMeta(),
      user_id: userId,
      ...announcement,
    });
  }

  return {
    /** Best effort: a failure is logged, the connection is not refused for it. */
    async transition(userId: string, transition: PresenceTransition): Promise<void> {
      try {
        await announce(userId, transition);
      } catch (error) {
        log.warn({ err: error, user_id: userId, transition }, 'presence update failed');
      }
    },

    /**
     * Announces offline the users whose every instance died without reporting them (user-service
     * `SweepExpiredPresence` hands each out once, whichever instance asks). Best effort like
     * every presence announcement: their last_seen is already stored. Returns how many.
     */
    async sweepLapsed(): Promise<number> {
      const expired = await users.sweepExpiredPresence(SWEEP_BATCH);
      for (const entry of expired) {
        await publishEvent(js, 'presence.changed', {
          ...eventMeta(),
          user_id: entry.userId,
          status: 'offline',
          last_seen: entry.lastSeen.toISOString(),
        });
      }
      return expired.length;
    },

    async refresh(userIds: readonly string[]): Promise<void> {
      for (let start = 0; start < userIds.length; start += REFRESH_BATCH) {
        await users.refreshPresence(instanceId, userIds.slice(start, start + REFRESH_BATCH));
      }
    },

    /**
     * Registers `watcherId` for the presence of each user they may see (user-service
     * `GetPresences`: the owner's last_seen setting and blocks, addenda E) and returns that
     * presence; hidden and unknown targets are silently left out and not watched.
     */
    async subscribe(
      watcherId: string,
      userIds: readonly string[],
    ): Promise<ServerEventData<'presence'>[]> {
      const targets = [...new Set(userIds)].filter((id) => id !== watcherId);
      if (targets.length === 0) return [];
      const visible = (await presencesFor(watcherId, targets)).filter((p) => p.visible);
      const watched = visible.map((p) => p.userId);
      await store.addWatcher(watcherId, watched);
      return visible.map((p) => ({
        user_id: p.userId,
        online: p.online,
        last_seen: p.lastSeen?.toISOString() ?? null,
      }));
    },

    /**
     * The watchers of `userId` who may still see their presence: the owner's setting or a block
     * may have changed since they subscribed. One `GetPresences` per watcher, shared with the
     * other presence changes of the same turn (presence-visibility.ts).
     */
    async audience(userId: string, watcherIds: readonly string[]): Promise<string[]> {
      const seen = await Promise.all(
        watcherIds.map((watcherId) => visibility.visible(watcherId, userId)),
      );
      return watcherIds.filter((_, index) => seen[index]);
    },
  };
}

export type PresenceService = ReturnType<typeof createPresenceService>;
