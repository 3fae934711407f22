import {
  consumeEvents,
  type EventConsumer,
  type NatsConnection,
  type ReceivedEvent,
} from '@wa/pkg/bus';
import type { ServiceProbes } from '@wa/pkg/health';
import type { Logger } from '@wa/pkg/log';
import type { ActivityService } from '../service/activity-service.ts';

export const MESSAGE_EVENT_SUBJECTS = ['msg.new', 'msg.status.updated', 'msg.deleted'] as const;
type MessageSubject = (typeof MESSAGE_EVENT_SUBJECTS)[number];
type MessageEvent = ReceivedEvent<MessageSubject>;

/**
 * What must stay in stream order: one message's own events (a deletion after its msg.new, a read
 * of it after it). Every statement tolerates any other order (activity-service.ts), so events of
 * one chat share statements instead of waiting for each other.
 */
export const messageEventOrderKey = (event: MessageEvent): string => event.payload.message_id;

/** Maps each message event to the activity service; thrown errors make JetStream redeliver. */
export function handleMessageEvent(activity: ActivityService) {
  return async (event: MessageEvent): Promise<void> => {
    switch (event.subject) {
      case 'msg.new':
        await activity.messageCreated(event.payload);
        return;
      case 'msg.status.updated':
        await activity.statusUpdated(event.payload);
        return;
      case 'msg.deleted':
        await activity.messageDeleted(event.payload);
        return;
    }
  };
}

export interface MessageEventSettings {
  nc: NatsConnection;
  durable: string;
  activity: ActivityService;
  log: Logger;
  inactiveThresholdMs?: number;
  maxDeliver?: number;
  probes?: ServiceProbes;
}

/** The chat-service's durable consumer of MESSAGES, shared by all its instances (addenda C). */
export function consumeMessageEvents(settings: MessageEventSettings): Promise<EventConsumer> {
  return consumeEvents<MessageSubject>({
    nc: settings.nc,
    durable: settings.durable,
    subjects: MESSAGE_EVENT_SUBJECTS,
    handle: handleMessageEvent(settings.activity),
    log: settings.log,
    inactiveThresholdMs: settings.inactiveThresholdMs,
    maxDeliver: settings.maxDeliver,
    probes: settings.probes,
    // Concurrent msg.new events share one statement (activity-service.ts).
    concurrency: 256,
    maxMessages: 256,
    orderKey: messageEventOrderKey,
    // Acks go to NATS together (one write for many events); every handler is idempotent.
    ackDelayMs: 20,
  });
}
