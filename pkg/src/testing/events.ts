import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  subjectWithin,
  subjectsByStream,
  supportsMultipleFilters,
  type EventPayload,
  type EventSubject,
} from '../bus/index.ts';

export interface CapturedEvent {
  subject: string;
  payload: Record<string, unknown>;
  /** The JetStream message id header (`Nats-Msg-Id`). */
  msgId: string | undefined;
}

export interface EventCapture {
  /** Every event seen so far, in stream order within each stream. */
  readonly events: CapturedEvent[];
  /** The first event of `subject` that `match` accepts, waiting up to `timeoutMs` for it. */
  waitFor<S extends EventSubject>(
    subject: S,
    match: (payload: EventPayload<S>) => boolean,
    timeoutMs?: number,
  ): Promise<EventPayload<S>>;
  stop(): Promise<void>;
}

/** One ephemeral consumer reading `filters` of `stream` into `events` until stopped. */
async function captureStream(
  nc: NatsConnection,
  stream: string,
  filters: readonly string[],
  events: CapturedEvent[],
): Promise<() => Promise<void>> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.New,
    // A server older than 2.10 takes one filter only: it sends the whole stream, sifted below.
    ...(filters.length === 1
      ? { filter_subject: filters[0] }
      : supportsMultipleFilters(nc)
        ? { filter_subjects: [...filters] }
        : {}),
    inactive_threshold: 60_000_000_000,
  });
  const consumer = await jetstream(nc).consumers.get(stream, info.name);
  let stopped = false;
  let messages: ConsumerMessages = await consumer.consume();
  const reading = (async () => {
    // A busy machine can make the client miss heartbeats and end the iteration; read on.
    while (!stopped) {
      try {
        for await (const message of messages) {
          if (!filters.some((filter) => subjectWithin(message.subject, filter))) continue;
          events.push({
            subject: message.subject,
            payload: message.json<Record<string, unknown>>(),
            msgId: message.headers?.get('Nats-Msg-Id'),
          });
        }
      } catch {
        // re-subscribe below
      }
      if (!stopped) await sleep(50);
      if (!stopped) messages = await consumer.consume().catch(() => messages);
    }
    messages.stop();
  })();
  return async () => {
    stopped = true;
    messages.stop();
    await reading;
    await jsm.consumers.delete(stream, info.name).catch(() => false);
  };
}

/**
 * Records what is published from now on under `filters` (e.g. `chat.>`), through one ephemeral
 * consumer per stream that stores them (derived from the filters), each existing before this
 * resolves, so nothing published afterwards is missed. Tests share the streams, so match on ids
 * the test created.
 */
export async function captureEvents(
  nc: NatsConnection,
  filters: string | readonly string[],
): Promise<EventCapture> {
  const events: CapturedEvent[] = [];
  const stops = await Promise.all(
    [...subjectsByStream(typeof filters === 'string' ? [filters] : filters)].map(([stream, own]) =>
      captureStream(nc, stream, own, events),
    ),
  );

  return {
    events,
    async waitFor(subject, match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(
          (event) =>
            event.subject === subject && match(event.payload as EventPayload<typeof subject>),
        );
        if (found) return found.payload as EventPayload<typeof subject>;
        if (Date.now() > deadline)
          throw new Error(`no matching ${subject} event in ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    async stop() {
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}
