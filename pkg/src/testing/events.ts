import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventPayload, EventSubject } from '../bus/index.ts';

export interface CapturedEvent {
  subject: string;
  payload: Record<string, unknown>;
  /** The JetStream message id header (`Nats-Msg-Id`). */
  msgId: string | undefined;
}

export interface EventCapture {
  /** Every event seen so far, in stream order. */
  readonly events: CapturedEvent[];
  /** The first event of `subject` that `match` accepts, waiting up to `timeoutMs` for it. */
  waitFor<S extends EventSubject>(
    subject: S,
    match: (payload: EventPayload<S>) => boolean,
    timeoutMs?: number,
  ): Promise<EventPayload<S>>;
  stop(): Promise<void>;
}

/**
 * Records what a stream receives from now on under `filter` (e.g. `chat.>`), through an
 * ephemeral consumer that exists before this resolves, so nothing published afterwards is missed.
 * Tests share the stream, so match on ids the test created.
 */
export async function captureEvents(
  nc: NatsConnection,
  stream: string,
  filter: string,
): Promise<EventCapture> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.New,
    filter_subject: filter,
    inactive_threshold: 60_000_000_000,
  });
  const consumer = await jetstream(nc).consumers.get(stream, info.name);
  const events: CapturedEvent[] = [];
  let stopped = false;
  let messages: ConsumerMessages = await consumer.consume();
  const reading = (async () => {
    // A busy machine can make the client miss heartbeats and end the iteration; read on.
    while (!stopped) {
      try {
        for await (const message of messages) {
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
      stopped = true;
      messages.stop();
      await reading;
      await jsm.consumers.delete(stream, info.name).catch(() => false);
    },
  };
}
