import type { PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { activeContext, contextHeaders, type Context } from '../telemetry/index.ts';
import { assertEvent, type EventPayload, type EventSubject } from './events.ts';
import type { StreamPublish } from './stream-publisher.ts';

export interface PublishEventOptions {
  /** How long to wait for the stream's acknowledgement (default 5 s). */
  timeoutMs?: number;
  /** The trace context (and request id) the event carries in its headers; default the active one. */
  context?: Context;
}

/**
 * Validates `payload` against its subject's schema and publishes it to JetStream with the
 * `event_id` as message id: a republished copy (a retry after a lost ack, an outbox relayed
 * twice) is dropped by the stream within its duplicate window (`ack.duplicate` is then true).
 * Rejects when the stream does not acknowledge in time; the caller decides whether to retry.
 */
export async function publishEvent<S extends EventSubject>(
  js: StreamPublish,
  subject: S,
  payload: EventPayload<S>,
  options: PublishEventOptions = {},
): Promise<PubAck> {
  assertEvent(subject, payload);
  const carried = contextHeaders(options.context ?? activeContext());
  const keys = Object.keys(carried);
  let headers;
  if (keys.length > 0) {
    headers = natsHeaders();
    for (const key of keys) headers.set(key, carried[key]);
  }
  return js.publish(subject, JSON.stringify(payload), {
    msgID: payload.event_id,
    timeout: options.timeoutMs ?? 5_000,
    headers,
  });
}
