import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createPerKeyQueue } from '../db/per-key-queue.ts';
import { UNTRACKED, type ServiceProbes } from '../health/index.ts';
import type { Logger } from '../log/index.ts';
import { DEFAULT_MAX_DELIVER, deadLetterer } from './dead-letter.ts';
import {
  EventValidationError,
  assertEvent,
  type EventPayload,
  type EventSubject,
} from './events.ts';
import {
  REQUEST_ID_HEADER,
  SpanKind,
  endSpan,
  extractContextWhenAsked,
  isTracing,
  linkTo,
  runInContext,
  startSpan,
} from '../telemetry/index.ts';
import { batchAcks } from './ack-batch.ts';
import { consumerMetrics } from './consumer-metrics.ts';
import { markInProgress } from './in-progress.ts';
import { perStream, type EventConsumer } from './per-stream.ts';

/** One received event, discriminated by subject so a `switch` narrows the payload. */
export type ReceivedEvent<S extends EventSubject> = {
  [K in S]: { subject: K; payload: EventPayload<K>; redelivered: boolean; deliveries: number };
}[S];

/** Tests only: the server deletes a durable after this long without a client. */
export interface ConsumerTuning {
  inactiveThresholdMs?: number;
}

export interface ConsumeEventsSettings<S extends EventSubject> {
  nc: NatsConnection;
  /** Shared by every instance of the consuming service (addenda C), one per stream. */
  durable: string;
  /** The subjects wanted; the streams that store them are derived from them (`streamOf`). */
  subjects: readonly S[];
  /**
   * Resolves when the event is handled (it is then acked); throws to have it redelivered later,
   * up to `maxDeliver` deliveries in all, after which it is dead-lettered.
   */
  handle: (event: ReceivedEvent<S>) => Promise<void>;
  /** Deliveries before a failing event goes to `dlq.<subject>` (addenda K: `MAX_DELIVER`, 10). */
  maxDeliver?: number;
  /** Handlers are reported into the watchdog; dead letters are counted in the registry. */
  probes?: ServiceProbes;
  log: Logger;
  /** Messages buffered per pull (default 10: a small buffer shares the load evenly between instances). */
  maxMessages?: number;
  /** Redelivery delay after the n-th failed delivery (default 1 s doubling up to 60 s). */
  retryDelayMs?: (deliveries: number) => number;
  /** Lets the server delete the consumer after this long without a client (tests); default never. */
  inactiveThresholdMs?: number;
  /**
   * Events handled at once (default 1: one at a time, in stream order). Above 1, events are in
   * stream order only among those with the same `orderKey` (e.g. a chat id); it lets the handler
   * group-commit concurrent events.
   */
  concurrency?: number;
  orderKey?: (event: ReceivedEvent<S>) => string;
  /**
   * Acks are sent together every this many ms (default 0: each at once), one write for many
   * events; for a consumer whose events each cost a write of their own otherwise (ack-batch.ts).
   */
  ackDelayMs?: number;
}

/** The settings of one stream's consumer: the wanted subjects that this stream stores. */
type StreamSettings<S extends EventSubject> = ConsumeEventsSettings<S> & { stream: string };

const NS_PER_MS = 1_000_000;

export const defaultRetryDelayMs = (deliveries: number): number =>
  Math.min(1_000 * 2 ** Math.max(0, deliveries - 1), 60_000);

/** A consumer loop's wait before it subscribes again: 1 s, 2 s, 4 s… up to 10 s; ends on abort. */
export async function pauseBeforeRetry(failures: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await sleep(Math.min(500 * 2 ** failures, 10_000), undefined, { signal }).catch(() => {});
}

/** nats-server understands `filter_subjects` (several subjects per consumer) from 2.10 on. */
export function supportsMultipleFilters(nc: NatsConnection): boolean {
  const [major = 0, minor = 0] = (nc.info?.version ?? '0.0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

function filterFor(
  nc: NatsConnection,
  subjects: readonly string[],
): Pick<ConsumerConfig, 'filter_subject' | 'filter_subjects'> {
  if (subjects.length === 1) return { filter_subject: subjects[0] };
  // An older server gets the whole stream; events of other subjects are acked unhandled.
  return supportsMultipleFilters(nc) ? { filter_subjects: [...subjects] } : {};
}

const sameFilter = (a: Partial<ConsumerConfig>, b: Partial<ConsumerConfig>): boolean =>
  (a.filter_subject ?? '') === (b.filter_subject ?? '') &&
  [...(a.filter_subjects ?? [])].sort().join(' ') ===
    [...(b.filter_subjects ?? [])].sort().join(' ');

/**
 * A handler takes milliseconds; an instance that dies holding messages gives them back to the
 * others after this long.
 */
const ACK_WAIT_MS = 10_000;
const ACK_WAIT_NS = ACK_WAIT_MS * NS_PER_MS;
/**
 * Events in hand (received, not yet acked) are marked in progress every half ack wait, so a slow
 * batch does not use up deliveries; for at most this long, after which a stuck handler's event
 * goes back to the stream for another instance.
 */
const IN_PROGRESS_AT_MOST_MS = 60_000;
/**
 * Deliveries the server makes beyond `maxDeliver`: the first one is still handled (earlier
 * deliveries may have timed out unhandled), later ones only dead-letter the event (its handler
 * hangs or kills the process), with room for a dead-letter publish that failed. Then the server
 * gives up on its own, so no event is ever delivered without limit.
 */
const DEAD_LETTER_DELIVERIES = 3;

/** The server's `max_deliver` for a consumer that dead-letters after `maxDeliver`. */
export const serverMaxDeliver = (maxDeliver: number): number => maxDeliver + DEAD_LETTER_DELIVERIES;

/**
 * Creates the durable consumer, or brings an existing one to the wanted subjects, ack wait and
 * delivery limit.
 */
async function ensureConsumer(
  jsm: JetStreamManager,
  nc: NatsConnection,
  settings: Pick<
    StreamSettings<EventSubject>,
    'stream' | 'durable' | 'subjects' | 'log' | 'inactiveThresholdMs'
  > & { maxDeliver: number },
): Promise<void> {
  const { stream, durable, log } = settings;
  const filter = filterFor(nc, settings.subjects);
  const maxDeliver = serverMaxDeliver(settings.maxDeliver);
  let existing: ConsumerInfo | undefined;
  try {
    existing = await jsm.consumers.info(stream, durable);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound))
      throw error;
  }
  if (existing) {
    if (
      sameFilter(existing.config, filter) &&
      existing.config.ack_wait === ACK_WAIT_NS &&
      existing.config.max_deliver === maxDeliver
    )
      return;
    try {
      await jsm.consumers.update(stream, durable, {
        ...filter,
        ack_wait: ACK_WAIT_NS,
        max_deliver: maxDeliver,
      });
      log.info({ durable, ...filter, max_deliver: maxDeliver }, 'consumer settings updated');
    } catch (error) {
      log.warn({ err: error, durable }, 'consumer settings could not be updated; keeping them');
    }
    return;
  }
  // Interest retention keeps a message for the consumers that existed when it was published, so a
  // new durable starts with what is published from now on, not with other consumers' backlog.
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: ACK_WAIT_NS,
    max_deliver: maxDeliver,
    ...(settings.inactiveThresholdMs
      ? { inactive_threshold: settings.inactiveThresholdMs * NS_PER_MS }
      : {}),
    ...filter,
  });
}

function decode(message: JsMsg): unknown {
  try {
    return message.json();
  } catch {
    return undefined;
  }
}

/** The trace headers a message carries, as a carrier to extract from. */
function headersOf(message: JsMsg): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (!message.headers) return carrier;
  for (const key of TRACE_HEADERS) {
    const value = message.headers.get(key);
    if (value) carrier[key] = value;
  }
  return carrier;
}

const TRACE_HEADERS = ['traceparent', 'tracestate', REQUEST_ID_HEADER] as const;

/** The message as a checked event of its subject, or undefined (logged) when its payload is invalid. */
export function validEventOf<S extends EventSubject>(
  message: JsMsg,
  log: Logger,
): ReceivedEvent<S> | undefined {
  const subject = message.subject as S;
  const payload = decode(message);
  try {
    assertEvent(subject, payload);
  } catch (error) {
    const problems = error instanceof EventValidationError ? error.problems : [String(error)];
    log.error({ subject, seq: message.seq, problems }, 'invalid event dropped');
    return undefined;
  }
  return {
    subject,
    payload,
    redelivered: message.redelivered,
    deliveries: message.info.deliveryCount,
  };
}

/**
 * Runs a durable pull consumer, named `durable`, on each stream that stores some of `subjects`
 * (the stream is derived from the subject, never named by the caller; events of different
 * streams have no order between them): each message is validated against the
 * event map (an invalid one is logged and terminated, never redelivered), handed to `handle`
 * one at a time in stream order, acked when `handle` resolves and nak'ed with a growing delay
 * when it throws. When it throws on the `maxDeliver`-th delivery, the event is published to
 * `dlq.<subject>` with the error, logged, counted and terminated, and the consumer goes on.
 * A broken subscription (NATS restart, consumer deleted) is set up again.
 * Resolves once the consumer exists.
 */
export function consumeEvents<S extends EventSubject>(
  settings: ConsumeEventsSettings<S>,
): Promise<EventConsumer> {
  return perStream(settings.subjects, (stream, subjects) =>
    consumeStream({ ...settings, stream, subjects }),
  );
}

async function consumeStream<S extends EventSubject>(
  settings: StreamSettings<S>,
): Promise<EventConsumer> {
  const { nc, stream, durable, subjects, handle, log } = settings;
  const retryDelayMs = settings.retryDelayMs ?? defaultRetryDelayMs;
  const concurrency = Math.max(1, settings.concurrency ?? 1);
  const maxDeliver = Math.max(1, settings.maxDeliver ?? DEFAULT_MAX_DELIVER);
  const progress = settings.probes?.watchdog.tracker('bus') ?? UNTRACKED;
  const wanted = new Set<string>(subjects);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await ensureConsumer(jsm, nc, { ...settings, maxDeliver });

  const stopped = new AbortController();
  let messages: ConsumerMessages | undefined;
  const inOrder = createPerKeyQueue();
  const inHand = markInProgress(ACK_WAIT_MS / 2, IN_PROGRESS_AT_MOST_MS, log);
  const acks = batchAcks(settings.ackDelayMs ?? 0);
  const deadLetter = deadLetterer({
    js,
    stream,
    durable,
    log,
    retryDelayMs,
    probes: settings.probes,
  });
  const metrics = consumerMetrics(settings.probes, { stream, consumer: durable, jsm });

  async function handleAndAck(message: JsMsg, event: ReceivedEvent<S>): Promise<void> {
    const { subject, deliveries } = event;
    const done = progress.begin();
    // The producer's trace context and request id (addenda L): the handler's calls carry them on,
    // and its span is the producer's child, also linked to it.
    const producer = extractContextWhenAsked(() => headersOf(message));
    const traced = isTracing()
      ? startSpan(`${subject} process`, {
          kind: SpanKind.CONSUMER,
          parent: producer,
          links: linkTo(producer),
          attributes: {
            'messaging.destination.name': subject,
            'messaging.consumer.group.name': durable,
          },
        })
      : undefined;
    try {
      await runInContext(traced?.context ?? producer, () => handle(event));
      if (traced) endSpan(traced.span);
      acks.ack(message);
    } catch (error) {
      if (traced) endSpan(traced.span, error);
      if (deliveries >= maxDeliver) {
        await deadLetter(message, error, event.payload.event_id);
        return;
      }
      const delay = retryDelayMs(deliveries);
      log.warn(
        { err: error, subject, event_id: event.payload.event_id, deliveries, retry_in_ms: delay },
        'event handling failed; redelivering later',
      );
      message.nak(delay);
    } finally {
      done();
    }
  }

  async function process(message: JsMsg): Promise<void> {
    if (stopped.signal.aborted) {
      message.nak(); // another instance takes it at once
      return;
    }
    if (!wanted.has(message.subject)) {
      message.ack();
      return;
    }
    const event = validEventOf<S>(message, log);
    if (!event) {
      message.term();
      return;
    }
    if (event.redelivered) metrics.redelivered(message.subject);
    if (event.deliveries > maxDeliver + 1) {
      // Delivered again and again without ever being settled: its handler hangs or kills us.
      const error = new Error(`not settled in ${event.deliveries - 1} deliveries`);
      await deadLetter(message, error, event.payload.event_id);
      return;
    }
    const key = settings.orderKey?.(event);
    inHand.hold(message);
    try {
      await (key === undefined
        ? handleAndAck(message, event)
        : inOrder(key, () => handleAndAck(message, event)));
    } finally {
      inHand.release(message);
    }
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped.signal.aborted) {
      try {
        const consumer = await js.consumers.get(stream, durable);
        messages = await consumer.consume({ max_messages: settings.maxMessages ?? 10 });
        if (stopped.signal.aborted) {
          messages.stop();
          break;
        }
        failures = 0;
        // With concurrency 1 this is one event at a time, in stream order.
        const inFlight = new Set<Promise<void>>();
        try {
          for await (const message of messages) {
            const handled = process(message).finally(() => inFlight.delete(handled));
            inFlight.add(handled);
            if (inFlight.size >= concurrency) await Promise.race(inFlight);
          }
        } finally {
          await Promise.all(inFlight);
        }
      } catch (error) {
        if (stopped.signal.aborted) break;
        failures += 1;
        log.warn({ err: error, stream, durable, failures }, 'event consumer interrupted');
        if (error instanceof JetStreamApiError)
          await ensureConsumer(jsm, nc, { ...settings, maxDeliver }).catch(() => {});
      }
      await pauseBeforeRetry(failures, stopped.signal);
    }
  })();

  return {
    async stop() {
      stopped.abort();
      messages?.stop();
      await loop;
      acks.flush();
      inHand.stop();
      metrics.stop();
    },
  };
}
