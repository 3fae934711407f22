import type { Logger } from '@wa/pkg/log';
import { encodeServerFrame } from '@wa/pkg/ws';
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
export function createFanOutService({ channels, store, presence, displayName, log }: FanOutDeps) {
  // Deletions carry their recipients, so no event needs the chat's members looked up.
  async function contextFor(event: BusEvent): Promise<FanOutContext> {
    const lookup: FanOutLookup = lookupFor(event.subject);
    switch (lookup) {
      case 'none':
        return {};
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
