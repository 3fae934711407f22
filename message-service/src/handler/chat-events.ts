import {
  consumeEvents,
  type EventConsumer,
  type NatsConnection,
  type ReceivedEvent,
} from '@wa/pkg/bus';
import type { ServiceProbes } from '@wa/pkg/health';
import type { Logger } from '@wa/pkg/log';
import type { SystemMessages } from '../service/system-messages.ts';

export const CHAT_EVENT_SUBJECTS = [
  'chat.created',
  'chat.updated',
  'group.member.added',
  'group.member.removed',
] as const;
type ChatSubject = (typeof CHAT_EVENT_SUBJECTS)[number];

/**
 * Group changes become system messages, once across instances. A failure throws, so JetStream
 * redelivers; recording is idempotent. (Cache invalidation is every instance's: cache-events.ts.)
 */
export function handleChatEvent(systemMessages: Pick<SystemMessages, 'record'>) {
  return async (event: ReceivedEvent<ChatSubject>): Promise<void> => {
    await systemMessages.record(event, event.deliveries);
  };
}

export interface ChatEventSettings {
  nc: NatsConnection;
  durable: string;
  systemMessages: Pick<SystemMessages, 'record'>;
  log: Logger;
  inactiveThresholdMs?: number;
  maxDeliver?: number;
  probes?: ServiceProbes;
}

/** The message-service's durable consumer of CHATS, shared by all its instances (addenda C). */
export function consumeChatEvents(settings: ChatEventSettings): Promise<EventConsumer> {
  return consumeEvents<ChatSubject>({
    nc: settings.nc,
    durable: settings.durable,
    subjects: CHAT_EVENT_SUBJECTS,
    handle: handleChatEvent(settings.systemMessages),
    log: settings.log,
    inactiveThresholdMs: settings.inactiveThresholdMs,
    maxDeliver: settings.maxDeliver,
    probes: settings.probes,
  });
}
