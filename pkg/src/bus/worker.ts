import type { Worker } from '../service/types.ts';

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
