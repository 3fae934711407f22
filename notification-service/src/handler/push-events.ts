import {
  consumeEvents,
  type EventConsumer,
  type NatsConnection,
  type ReceivedEvent,
} from '@wa/pkg/bus';
import type { ServiceProbes } from '@wa/pkg/health';
import type { Logger } from '@wa/pkg/log';
import type { PushService } from '../service/push-service.ts';

const SUBJECTS = ['msg.new', 'group.member.added', 'group.member.removed'] as const;
type PushSubject = (typeof SUBJECTS)[number];

export interface PushEventSettings {
  nc: NatsConnection;
  durable: string;
  pushes: PushService;
  log: Logger;
  inactiveThresholdMs?: number;
  maxDeliver?: number;
  probes?: ServiceProbes;
}

/**
 * An event that could not be pushed (FCM or a neighbour unreachable) comes back soon: 1 s,
 * doubling to at most 10 s, so pushes held up by an outage go out seconds after it ends.
 */
const retryDelayMs = (deliveries: number): number =>
  Math.min(1_000 * 2 ** (deliveries - 1), 10_000);

export function handlePushEvent(pushes: PushService) {
  return async (event: ReceivedEvent<PushSubject>): Promise<void> => {
    switch (event.subject) {
      case 'msg.new':
        return pushes.onMessage(event.payload);
      case 'group.member.added':
        return pushes.onMemberAdded(event.payload);
      case 'group.member.removed':
        return pushes.onMemberRemoved(event.payload);
    }
  };
}

/**
 * Addenda J: one durable consumer per stream, shared by every instance. Events are handled many
 * at once and in no particular order (a push depends on nothing before it), so one slow device
 * never holds up another user's push.
 */
export function consumePushEvents(settings: PushEventSettings): Promise<EventConsumer> {
  return consumeEvents<PushSubject>({
    nc: settings.nc,
    durable: settings.durable,
    subjects: SUBJECTS,
    handle: handlePushEvent(settings.pushes),
    log: settings.log,
    inactiveThresholdMs: settings.inactiveThresholdMs,
    maxDeliver: settings.maxDeliver,
    probes: settings.probes,
    retryDelayMs,
    concurrency: 64,
    maxMessages: 256,
    orderKey: (event) => event.payload.event_id,
    ackDelayMs: 20,
  });
}
