import type { Logger } from '../log/index.ts';
import type { Worker } from './types.ts';

/**
 * A task run every `everyMs` (0 = never), one run at a time; a failed run is logged and the next
 * one retries. `stop()` waits for a run in progress.
 */
export function intervalWorker(
  name: string,
  everyMs: number,
  task: () => Promise<unknown>,
  log: Logger,
): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    running = task()
      .catch((error: unknown) => log.warn({ err: error, worker: name }, 'periodic task failed'))
      .finally(() => (busy = false));
  };
  return {
    name,
    start() {
      if (everyMs > 0) timer = setInterval(tick, everyMs);
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
