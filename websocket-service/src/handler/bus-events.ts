import {
  CLIENT_SUBJECTS,
  consumeEvents,
  type EventConsumer,
  type NatsConnection,
} from '@wa/pkg/bus';
import type { ServiceProbes } from '@wa/pkg/health';
import type { Logger } from '@wa/pkg/log';
import type { FanOutService } from '../service/fan-out-service.ts';
import { orderKeyOf, type FanOutSubject } from '../service/routing.ts';

const FAN_OUT_CONCURRENCY = 64;
/** Acks of fanned-out events go to NATS together, this often (issue 12). */
export const ACK_DELAY_MS = 20;

export interface BusEventSettings {
  nc: NatsConnection;
  durable: string;
  inactiveThresholdMs?: number;
  maxDeliver?: number;
  probes?: ServiceProbes;
  fanOut: FanOutService;
  log: Logger;
}

/**
 * Every event clients see, through one durable consumer per stream that stores them (derived from
 * the subjects), the same name on every instance, so each event is taken by one instance and
 * fanned out through Redis to whichever instance holds the recipients. An event is acked only
 * after its Redis publishes succeeded; otherwise it is redelivered.
 */
export function consumeBusEvents(settings: BusEventSettings): Promise<EventConsumer> {
  return consumeEvents<FanOutSubject>({
    nc: settings.nc,
    durable: settings.durable,
    subjects: CLIENT_SUBJECTS,
    handle: (event) => settings.fanOut.deliver(event),
    log: settings.log,
    maxDeliver: settings.maxDeliver,
    probes: settings.probes,
    maxMessages: 256,
    // One event at a time would cap fan-out at one Redis round trip per event.
    concurrency: FAN_OUT_CONCURRENCY,
    orderKey: orderKeyOf,
    // An ack per event was a NATS write per event; a redelivery after a crash repeats frames
    // with their message_id, which clients drop.
    ackDelayMs: ACK_DELAY_MS,
    retryDelayMs: (deliveries) => Math.min(250 * 2 ** Math.max(0, deliveries - 1), 10_000),
    ...(settings.inactiveThresholdMs ? { inactiveThresholdMs: settings.inactiveThresholdMs } : {}),
  });
}
