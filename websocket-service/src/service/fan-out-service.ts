import { createPerKeyQueue } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';
import { encodeServerFrame } from '@wa/pkg/ws';
import type { Participants } from '../repository/participants.ts';
import type { RealtimeStore } from '../repository/realtime-store.ts';
import type { UserChannels } from '../repository/user-channels.ts';
import type { PresenceService } from './presence-service.ts';
import {
  lookupFor,
  planFanOut,
  type BusEvent,
  type FanOutContext,
  type FanOutLookup,
} from './routing.ts';

export interface FanOutDeps {
  channels: Pick<UserChannels, 'publish' | 'invalidateChat'>;
  participants: Pick<Participants, 'of'>;
  store: Pick<RealtimeStore, 'watchersOf'>;
  presence: Pick<PresenceService, 'audience'>;
  displayName: (userId: string) => Promise<string>;
  log: Logger;
}

/**
 * Applies the routing plan of one bus event: looks up what the plan needs, then publishes the
 * frame to each target user's Redis channel. Rejects when a publish fails, so the JetStream
 * message is not acked and comes back (at-least-once).
 */
export function createFanOutService({
  channels,
  participants,
  store,
  presence,
  displayName,
  log,
}: FanOutDeps) {
  /*
   * Events are fanned out many at once, but the lookups behind them go one at a time per kind,
   * as when events were handled one by one: a burst of deletions must not become a burst of
   * GetParticipants calls that times out and opens the circuit to the chat-service for everyone.
   */
  const lookups = createPerKeyQueue();

  function contextFor(event: BusEvent): Promise<FanOutContext> {
    const lookup = lookupFor(event.subject);
    if (lookup === 'none') return Promise.resolve({});
    return lookups(lookup, () => lookUp(event, lookup));
  }

  async function lookUp(
    event: BusEvent,
    lookup: Exclude<FanOutLookup, 'none'>,
  ): Promise<FanOutContext> {
    switch (lookup) {
      case 'participants': {
        const chatId = (event.payload as { chat_id: string }).chat_id;
        return { participants: (await participants.of(chatId)).userIds };
      }
      case 'watchers': {
        const userId = (event.payload as { user_id: string }).user_id;
        // Privacy is applied per change, not only at subscribe time: settings and blocks move.
        return { watchers: await presence.audience(userId, await store.watchersOf(userId)) };
      }
      case 'display_name': {
        const userId = (event.payload as { user_id: string }).user_id;
        return { displayName: await displayName(userId).catch(() => '') };
      }
    }
  }

  return {
    async deliver(event: BusEvent): Promise<void> {
      const plan = planFanOut(event, await contextFor(event));
      if (plan.invalidatesChat) await channels.invalidateChat(plan.invalidatesChat);
      if (plan.userIds.length === 0) return;
      const frame = encodeServerFrame(plan.frame.event, plan.frame.data as never);
      await channels.publish(plan.userIds, frame);
      log.debug(
        { subject: event.subject, event_id: event.payload.event_id, users: plan.userIds.length },
        'event fanned out',
      );
    },
  };
}

export type FanOutService = ReturnType<typeof createFanOutService>;
