import type { EventSubject } from './events.ts';
import { subjectsByStream } from './streams.ts';

export interface EventConsumer {
  /** Stops pulling, hands back what is buffered, and waits for the event in hand to finish. */
  stop(): Promise<void>;
}

/**
 * Starts one consumer per stream that stores some of `subjects` (grouped by `subjectsByStream`),
 * stopped together. If one cannot start, those started are stopped and its error is thrown.
 */
export async function perStream<S extends EventSubject>(
  subjects: readonly S[],
  start: (stream: string, subjects: S[]) => Promise<EventConsumer>,
): Promise<EventConsumer> {
  const outcomes = await Promise.allSettled(
    [...subjectsByStream(subjects)].map(([stream, own]) => start(stream, own)),
  );
  const started = outcomes.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value] : [],
  );
  const all: EventConsumer = {
    async stop() {
      await Promise.all(started.map((consumer) => consumer.stop()));
    },
  };
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await all.stop();
    throw failed.reason;
  }
  return all;
}
