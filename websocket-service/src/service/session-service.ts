import type { Logger } from '@wa/pkg/log';
import type { UserChannels } from '../repository/user-channels.ts';
import type { PresenceService } from './presence-service.ts';
import type { LocalConnection, Registry } from './registry.ts';
import type { ReplayService, ReplayTarget } from './replay-service.ts';
import { presenceTransition } from './rules.ts';

export interface SessionDeps {
  registry: Registry;
  channels: Pick<UserChannels, 'subscribe' | 'unsubscribe'>;
  presence: Pick<PresenceService, 'transition'>;
  replay: Pick<ReplayService, 'replay'>;
  log: Logger;
}

/**
 * The lifecycle of an authenticated socket (PRD §3.8): register, subscribe to the user's channel,
 * report presence, replay the backlog; on close the reverse. The channel subscription is confirmed
 * before the replay starts, so a message is either in the backlog or arrives live (or both, with
 * the same message_id).
 */
export function createSessionService({ registry, channels, presence, replay, log }: SessionDeps) {
  // A second device must not replay before the first device's SUBSCRIBE is confirmed.
  const subscribing = new Map<string, Promise<void>>();

  return {
    async open(connection: LocalConnection & ReplayTarget): Promise<void> {
      const counts = registry.add(connection);
      const transition = presenceTransition(counts.before, counts.after);
      if (transition === 'online') {
        const pending = channels.subscribe(connection.userId);
        subscribing.set(connection.userId, pending);
        await pending.finally(() => {
          if (subscribing.get(connection.userId) === pending) subscribing.delete(connection.userId);
        });
      } else await subscribing.get(connection.userId);
      void presence.transition(connection.userId, transition);
      try {
        await replay.replay(connection.userId, connection);
      } catch (error) {
        // The next connect replays again; the socket stays useful for live traffic.
        log.warn({ err: error, user_id: connection.userId }, 'backlog replay failed');
      }
    },

    async close(connection: LocalConnection): Promise<void> {
      const counts = registry.remove(connection);
      const transition = presenceTransition(counts.before, counts.after);
      if (transition === 'offline') await channels.unsubscribe(connection.userId);
      await presence.transition(connection.userId, transition);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
