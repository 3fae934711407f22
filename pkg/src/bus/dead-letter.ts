import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { counterOf, type ServiceProbes } from '../health/index.ts';
import type { Logger } from '../log/index.ts';

/**
 * Addenda K: an event that fails processing `MAX_DELIVER` times goes to `dlq.<subject>` with the
 * error, and processing goes on. The dead letter's body is the event exactly as it was received,
 * so replaying it is publishing that body to the original subject again
 * (`scripts/dead-letters.ts`); the headers say where it came from and why it died.
 */
export const DLQ_PREFIX = 'dlq.';

/** Addenda K's default for `MAX_DELIVER`. */
export const DEFAULT_MAX_DELIVER = 10;

export const DEAD_LETTER_HEADERS = {
  subject: 'Dlq-Subject',
  stream: 'Dlq-Stream',
  sequence: 'Dlq-Sequence',
  consumer: 'Dlq-Consumer',
  deliveries: 'Dlq-Deliveries',
  error: 'Dlq-Error',
} as const;

export const deadLetterSubject = (subject: string): string => `${DLQ_PREFIX}${subject}`;

/** The original subject of a dead letter's subject (`dlq.msg.new` → `msg.new`). */
export const originalSubject = (dlqSubject: string): string =>
  dlqSubject.startsWith(DLQ_PREFIX) ? dlqSubject.slice(DLQ_PREFIX.length) : dlqSubject;

/** One line, printable, bounded: a header value cannot hold a line break. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1_000);
}

export interface DeadLetter {
  /** Where the event was consumed: its stream, the consumer (durable) and its sequence. */
  stream: string;
  consumer: string;
  subject: string;
  sequence: number;
  deliveries: number;
  error: string;
}

/**
 * Publishes `message` to its dead-letter subject and waits for the DLQ stream to store it. The
 * message id is the consumer's view of the event, so a dead letter published twice (its `term`
 * lost, the event delivered once more) is stored once.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  message: JsMsg,
  letter: DeadLetter,
): Promise<void> {
  const h = natsHeaders();
  // Trace context and request ids travel on; the stream's own headers (msg id…) do not.
  for (const [key, values] of message.headers ?? [])
    if (!key.toLowerCase().startsWith('nats-')) for (const value of values) h.append(key, value);
  h.set(DEAD_LETTER_HEADERS.subject, letter.subject);
  h.set(DEAD_LETTER_HEADERS.stream, letter.stream);
  h.set(DEAD_LETTER_HEADERS.sequence, String(letter.sequence));
  h.set(DEAD_LETTER_HEADERS.consumer, letter.consumer);
  h.set(DEAD_LETTER_HEADERS.deliveries, String(letter.deliveries));
  h.set(DEAD_LETTER_HEADERS.error, letter.error);
  await js.publish(deadLetterSubject(letter.subject), message.data, {
    headers: h,
    msgID: `${letter.stream}:${letter.sequence}:${letter.consumer}`,
    timeout: 5_000,
  });
}

export interface DeadLettererSettings {
  js: JetStreamClient;
  stream: string;
  durable: string;
  log: Logger;
  /** The wait before a delivery that could not be dead-lettered (the DLQ did not answer) is retried. */
  retryDelayMs: (deliveries: number) => number;
  /** Dead letters are counted in its registry. */
  probes?: ServiceProbes;
}

/**
 * What a consumer does with an event it gives up on: publish it to its dead-letter subject, then
 * terminate it, log it once at error level and count it. If the DLQ does not store it, the event
 * is redelivered later instead, so it is never lost.
 */
export function deadLetterer(settings: DeadLettererSettings) {
  const { js, stream, durable, log, retryDelayMs, probes } = settings;
  const counted = probes
    ? counterOf(
        probes.metrics,
        'nats_consumer_dead_letters_total',
        'Events a consumer gave up on and published to dlq.<subject>',
        ['stream', 'consumer', 'subject'],
      )
    : undefined;

  return async (message: JsMsg, error: unknown, eventId?: string): Promise<void> => {
    const letter: DeadLetter = {
      stream,
      consumer: durable,
      subject: message.subject,
      sequence: message.seq,
      deliveries: message.info.deliveryCount,
      error: describeError(error),
    };
    try {
      await publishDeadLetter(js, message, letter);
    } catch (publishError) {
      const delay = retryDelayMs(letter.deliveries);
      log.warn(
        { err: publishError, ...letter, event_id: eventId, retry_in_ms: delay },
        'dead letter not stored; redelivering later',
      );
      message.nak(delay);
      return;
    }
    message.term();
    counted?.inc({ stream, consumer: durable, subject: message.subject });
    log.error({ ...letter, event_id: eventId }, 'event dead-lettered');
  };
}
