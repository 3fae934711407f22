import type { Logger } from '@wa/pkg/log';
import type { UserChannels } from '../repository/user-channels.ts';
import type { PresenceService } from './presence-service.ts';
import type { LocalConnection, Registry } from './registry.ts';
import type { ReplayService } from './replay-service.ts';
import { presenceTransition } from './rules.ts';

export interface SessionDeps {
  registry: Registry;
  channels: Pick<UserChannels, 'subscribe' | 'unsubscribe'>;
  presence: Pick<PresenceService, 'transition'>;
  replay: Pick<ReplayService, 'replay'>;
  log: Logger;
  /** Sockets replayed to at once after Redis came back (recover). */
  recoveryConcurrency?: number;
}

/**
 * The lifecycle of an authenticated socket (PRD §3.8): register, subscribe to the user's channel,
 * report presence, replay the backlog; on close the reverse. The channel subscription is confirmed
 * before the replay starts, so a message is either in the backlog or arrives live (or both, with
 * the same message_id).
 */
export function createSessionService({
  registry,
  channels,
  presence,
  replay,
  log,
  recoveryConcurrency = 8,
}: SessionDeps) {
  // A second device must not replay before the first device's SUBSCRIBE is confirmed.
  const subscribing = new Map<string, Promise<void>>();

  async function replayTo(connection: LocalConnection): Promise<void> {
    try {
      await replay.replay(connection.userId, connection);
    } catch (error) {
      // The next connect replays again; the socket stays useful for live traffic.
      log.warn({ err: error, user_id: connection.userId }, 'backlog replay failed');
    }
  }

  let recovering: Promise<void> | undefined;
  let recoverAgain = false;

  async function replayToAll(): Promise<void> {
    const connections = registry.connections();
    let next = 0;
    const worker = async () => {
      while (next < connections.length) await replayTo(connections[next++]);
    };
    await Promise.all(Array.from({ length: recoveryConcurrency }, worker));
    log.info(
      { sockets: connections.length },
      'backlog replayed to every socket after Redis returned',
    );
  }

  return {
    async open(connection: LocalConnection): Promise<void> {
      const counts = registry.add(connection);
      const transition = presenceTransition(counts.before, counts.after);
      if (transition === 'online') {
        // Without Redis the socket still gets its backlog; the channel is subscribed, and the
        // backlog replayed again, when Redis is back (recover).
        const pending = channels.subscribe(connection.userId).catch((error: unknown) => {
          log.warn({ err: error, user_id: connection.userId }, 'channel subscription failed');
        });
        subscribing.set(connection.userId, pending);
        await pending.finally(() => {
          if (subscribing.get(connection.userId) === pending) subscribing.delete(connection.userId);
        });
      } else await subscribing.get(connection.userId);
      void presence.transition(connection.userId, transition);
      await replayTo(connection);
    },

    async close(connection: LocalConnection): Promise<void> {
      const counts = registry.remove(connection);
      const transition = presenceTransition(counts.before, counts.after);
      if (transition === 'offline') await channels.unsubscribe(connection.userId);
      await presence.transition(connection.userId, transition);
    },

    /**
     * After a Redis outage, once every held user's channel is subscribed again: frames published
     * while this instance was not subscribed are gone, so every socket gets its backlog again
     * (the messages among them; duplicates only as the same message_id). Called again while it
     * runs (Redis flapping), it runs once more afterwards rather than twice at once.
     */
    recover(): Promise<void> {
      if (recovering) {
        recoverAgain = true;
        return recovering;
      }
      recovering = (async () => {
        do {
          recoverAgain = false;
          await replayToAll();
        } while (recoverAgain);
      })().finally(() => (recovering = undefined));
      return recovering;
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
