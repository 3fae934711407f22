import {
  MEMBERSHIP_SUBJECTS,
  membershipChangeOf,
  watchEvents,
  type EventConsumer,
  type NatsConnection,
} from '@wa/pkg/bus';
import type { Logger } from '@wa/pkg/log';
import type { Membership } from '../service/membership.ts';

export interface CacheEventSettings {
  nc: NatsConnection;
  membership: Pick<Membership, 'invalidate' | 'invalidateBlock'>;
  log: Logger;
}

/**
 * Every instance drops its own cached answers when a chat's members, roles or posting rule
 * change, or a block is added or lifted; the shared durable consumer (chat-events.ts) reaches only
 * one instance per event, so it cannot do this. A removed member or a newly blocked user is
 * refused at once on every instance.
 */
export function watchCacheEvents(settings: CacheEventSettings): Promise<EventConsumer> {
  const { nc, membership, log } = settings;
  // Two watchers (CHATS and USERS stores these), each only on the subjects asked for here.
  return watchEvents({
    nc,
    subjects: [...MEMBERSHIP_SUBJECTS, 'user.blocked', 'user.unblocked'],
    handle: (event) => {
      if (event.subject === 'user.blocked' || event.subject === 'user.unblocked') {
        membership.invalidateBlock(event.payload.blocker_id, event.payload.blocked_id);
        return;
      }
      const chatId = membershipChangeOf(event);
      if (chatId !== undefined) membership.invalidate(chatId);
    },
    log,
  });
}
