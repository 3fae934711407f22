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
    // Chats side by side (concurrent msg.new events share one statement), each chat's in order.
    concurrency: 64,
    maxMessages: 256,
    orderKey: (event) => event.payload.chat_id,
  });
}
