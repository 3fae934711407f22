import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../log/index.ts';
import {
  pauseBeforeRetry,
  supportsMultipleFilters,
  validEventOf,
  type ReceivedEvent,
} from './consumer.ts';
import type { EventSubject } from './events.ts';
import { perStream, type EventConsumer } from './per-stream.ts';

export interface WatchEventsSettings<S extends EventSubject> {
  nc: NatsConnection;
  /** The subjects wanted; the streams that store them are derived from them (`streamOf`). */
  subjects: readonly S[];
  /** Called for every event published from now on; it must not throw (a throw is logged). */
  handle: (event: ReceivedEvent<S>) => void;
  log: Logger;
}

/**
 * Every instance sees every event: an ordered (per-process, unacknowledged) consumer, for what
 * each instance must do itself, such as dropping its cache entries. Work that must happen once
 * across instances belongs to `consumeEvents`' shared durable consumer instead. The ordered
 * consumer resumes after the last event it saw when NATS comes back; it starts with events
 * published after the call (or, if the stream cannot be read yet, after it first can). One
 * watcher runs per stream that stores some of `subjects`; events of different streams have no
 * order between them.
 */
export function watchEvents<S extends EventSubject>(
  settings: WatchEventsSettings<S>,
): Promise<EventConsumer> {
  return perStream(settings.subjects, (stream, subjects) =>
    watchStream({ ...settings, stream, subjects }),
  );
}

async function watchStream<S extends EventSubject>(
  settings: WatchEventsSettings<S> & { stream: string },
): Promise<EventConsumer> {
  const { nc, stream, subjects, handle, log } = settings;
  const js = jetstream(nc);
  const wanted = new Set<string>(subjects);
  const stopped = new AbortController();
  let messages: ConsumerMessages | undefined;
  let startSeq = 0;

  // An older server gets the whole stream; other subjects are skipped below.
  const filter =
    subjects.length === 1
      ? { filter_subjects: subjects[0] }
      : supportsMultipleFilters(nc)
        ? { filter_subjects: [...subjects] }
        : {};

  async function open(): Promise<ConsumerMessages> {
    const consumer = await js.consumers.get(stream, {
      ...filter,
      ...(startSeq > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
        : { deliver_policy: DeliverPolicy.New }),
    });
    return consumer.consume();
  }

  try {
    messages = await open();
  } catch (error) {
    // A missing stream or an unreachable server must not stop the service; the loop retries.
    log.warn({ err: error, stream }, 'event watcher not started yet; retrying');
  }
  const loop = (async () => {
    let failures = 0;
    while (!stopped.signal.aborted) {
      try {
        messages ??= await open();
        failures = 0;
        for await (const message of messages) {
          startSeq = message.seq + 1;
          if (!wanted.has(message.subject)) continue;
          const event = validEventOf<S>(message, log);
          if (!event) continue;
          try {
            handle(event);
          } catch (error) {
            log.error({ err: error, subject: event.subject }, 'event watcher failed');
          }
        }
      } catch (error) {
        if (stopped.signal.aborted) break;
        failures += 1;
        log.warn({ err: error, stream, failures }, 'event watcher interrupted');
      }
      messages = undefined;
      await pauseBeforeRetry(failures, stopped.signal);
    }
  })();

  return {
    async stop() {
      stopped.abort();
      messages?.stop();
      await loop;
    },
  };
}
