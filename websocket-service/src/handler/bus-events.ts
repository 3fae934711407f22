import { consumeEvents, type EventConsumer, type NatsConnection } from '@wa/pkg/bus';
import type { Logger } from '@wa/pkg/log';
import type { FanOutService } from '../service/fan-out-service.ts';
import { orderKeyOf, type FanOutSubject } from '../service/routing.ts';

/** The events each stream carries to this service (PRD §4.2, addenda C). */
const SUBSCRIPTIONS: { stream: string; subjects: FanOutSubject[] }[] = [
  { stream: 'MESSAGES', subjects: ['msg.new', 'msg.status.updated', 'msg.deleted'] },
  {
    stream: 'CHATS',
    subjects: ['chat.created', 'chat.updated', 'group.member.added', 'group.member.removed'],
  },
  { stream: 'PRESENCE', subjects: ['presence.changed'] },
];

const FAN_OUT_CONCURRENCY = 64;

export interface BusEventSettings {
  nc: NatsConnection;
  durable: string;
  inactiveThresholdMs?: number;
  fanOut: FanOutService;
  log: Logger;
}

/**
 * One durable consumer per stream, the same name on every instance, so each event is taken by
 * one instance and fanned out through Redis to whichever instance holds the recipients. An event
 * is acked only after its Redis publishes succeeded; otherwise it is redelivered.
 */
export async function consumeBusEvents(settings: BusEventSettings): Promise<EventConsumer> {
  const consumers = await Promise.all(
    SUBSCRIPTIONS.map(({ stream, subjects }) =>
      consumeEvents<FanOutSubject>({
        nc: settings.nc,
        stream,
        durable: settings.durable,
        subjects,
        handle: (event) => settings.fanOut.deliver(event),
        log: settings.log,
        maxMessages: 256,
        // One event at a time would cap fan-out at one Redis round trip per event.
        concurrency: FAN_OUT_CONCURRENCY,
        orderKey: orderKeyOf,
        retryDelayMs: (deliveries) => Math.min(250 * 2 ** Math.max(0, deliveries - 1), 10_000),
        ...(settings.inactiveThresholdMs
          ? { inactiveThresholdMs: settings.inactiveThresholdMs }
          : {}),
      }),
    ),
  );
  return {
    async stop() {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
    },
  };
}
