import type { Worker } from '../service/types.ts';
import type { OutboxRelay } from './outbox-relay.ts';

/** A consumer or watcher as a service worker: opened on start, drained on stop. */
export function consumerWorker(
  name: string,
  open: () => Promise<{ stop(): Promise<unknown> }>,
): Worker {
  let consumer: { stop(): Promise<unknown> } | undefined;
  return {
    name,
    async start() {
      consumer = await open();
    },
    async stop() {
      await consumer?.stop();
      consumer = undefined;
    },
  };
}

/** The outbox relay as a service worker: on shutdown it stops, then publishes what is still pending. */
export function outboxWorker(relay: Pick<OutboxRelay, 'start' | 'stop' | 'flush'>): Worker {
  return {
    name: 'outbox',
    start: () => relay.start(),
    async stop() {
      await relay.stop();
      await relay.flush(); // what still fails waits for the next instance's sweep
    },
  };
}
