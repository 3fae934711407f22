import type { Logger } from '@wa/pkg/log';
import { mayView, presenceForViewer, type PresenceFacts } from '../model/privacy.ts';
import type { PresenceRepository } from '../repository/presence-repository.ts';
import type { UserRepository } from '../repository/user-repository.ts';
import { relationOf, settingsOf, userNotFound } from './user-views.ts';

export interface VisiblePresence extends PresenceFacts {
  userId: string;
  /** False when the owner's last_seen setting or a block hides it from the viewer. */
  visible: boolean;
}

export interface PresenceServiceDeps {
  presence: PresenceRepository;
  users: UserRepository;
  log: Logger;
}

export function createPresenceService({ presence, users, log }: PresenceServiceDeps) {
  return {
    /**
     * A websocket-service instance reports that it now holds (online) or no longer holds
     * (offline) the user. Going offline persists last seen only when no other instance holds them.
     */
    async setPresence(userId: string, instanceId: string, online: boolean): Promise<PresenceFacts> {
      if (online) {
        await presence.markOnline([userId], instanceId);
        return { online: true, lastSeen: null };
      }
      const now = new Date();
      if (await presence.leave(userId, instanceId, now.getTime())) {
        return { online: true, lastSeen: null };
      }
      await users.setLastSeen(userId, now);
      log.debug({ user_id: userId }, 'user went offline');
      return { online: false, lastSeen: now };
    },

    /** Heartbeat: the instance still holds these users. */
    async refresh(instanceId: string, userIds: readonly string[]): Promise<number> {
      const distinct = [...new Set(userIds)];
      await presence.markOnline(distinct, instanceId);
      return distinct.length;
    },

    /**
     * Users whose every instance died or stopped refreshing: offline now, last seen when their
     * presence lapsed (persisted here; the caller announces them).
     */
    async sweepLapsed(limit: number): Promise<{ userId: string; lastSeen: Date }[]> {
      const lapsed = await presence.takeLapsed(Date.now(), limit);
      for (const { userId, lapsedAt } of lapsed) await users.setLastSeen(userId, lapsedAt);
      if (lapsed.length) log.info({ users: lapsed.length }, 'presence lapsed without a report');
      return lapsed.map(({ userId, lapsedAt }) => ({ userId, lastSeen: lapsedAt }));
    },

    /** Raw presence for internal callers; no privacy applied. */
    async check(userId: string): Promise<PresenceFacts> {
      const [user, online] = await Promise.all([users.findById(userId), presence.isOnline(userId)]);
      if (!user) throw userNotFound();
      return { online, lastSeen: user.last_seen_at };
    },

    /** Which of `userIds` are online, each once (raw; an unknown id is simply not online). */
    async onlineAmong(userIds: readonly string[]): Promise<string[]> {
      const wanted = [...new Set(userIds)];
      const online = await presence.areOnline(wanted);
      return wanted.filter((_, i) => online[i]);
    },

    /**
     * Presence of users as the viewer may see it (their last_seen setting and blocks apply), in
     * the order asked, each once, unknown ids left out.
     */
    async forViewer(viewerId: string, userIds: readonly string[]): Promise<VisiblePresence[]> {
      const wanted = [...new Set(userIds)];
      if (wanted.length === 0) return [];
      const [rows, online] = await Promise.all([
        users.findViews(wanted, viewerId),
        presence.areOnline(wanted),
      ]);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return wanted.flatMap((userId, index) => {
        const row = byId.get(userId);
        if (!row) return [];
        const relation = relationOf(row, viewerId);
        const visible = mayView(settingsOf(row).last_seen, relation);
        const facts = { online: online[index], lastSeen: row.last_seen_at };
        return [
          { userId, visible, ...presenceForViewer(facts, settingsOf(row).last_seen, relation) },
        ];
      });
    },
  };
}

export type PresenceService = ReturnType<typeof createPresenceService>;
