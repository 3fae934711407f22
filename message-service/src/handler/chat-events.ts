import {
  consumeEvents,
  type EventConsumer,
  type NatsConnection,
  type ReceivedEvent,
} from '@wa/pkg/bus';
import type { Logger } from '@wa/pkg/log';
import type { Membership } from '../service/membership.ts';
import type { SystemMessages } from '../service/system-messages.ts';

export const CHAT_EVENT_SUBJECTS = [
  'chat.created',
  'chat.updated',
  'group.member.added',
  'group.member.removed',
] as const;
type ChatSubject = (typeof CHAT_EVENT_SUBJECTS)[number];

/**
 * Any membership or posting-rights change drops the chat's cached participants; group changes
 * become system messages. A failure throws, so JetStream redelivers; both steps are idempotent.
 */
export function handleChatEvent(
  membership: Pick<Membership, 'invalidate'>,
  systemMessages: Pick<SystemMessages, 'record'>,
) {
  return async (event: ReceivedEvent<ChatSubject>): Promise<void> => {
    membership.invalidate(event.payload.chat_id);
    await systemMessages.record(event, event.deliveries);
  };
}

export interface ChatEventSettings {
  nc: NatsConnection;
  durable: string;
  membership: Pick<Membership, 'invalidate'>;
  systemMessages: Pick<SystemMessages, 'record'>;
  log: Logger;
  inactiveThresholdMs?: number;
}

/** The message-service's durable consumer of CHATS, shared by all its instances (addenda C). */
export function consumeChatEvents(settings: ChatEventSettings): Promise<EventConsumer> {
  return consumeEvents<ChatSubject>({
    nc: settings.nc,
    stream: 'CHATS',
    durable: settings.durable,
    subjects: CHAT_EVENT_SUBJECTS,
    handle: handleChatEvent(settings.membership, settings.systemMessages),
    log: settings.log,
    inactiveThresholdMs: settings.inactiveThresholdMs,
  });
}
