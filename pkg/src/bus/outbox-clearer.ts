import type { Logger } from '../log/index.ts';
import type { OutboxStore } from './outbox-relay.ts';

/**
 * Deletes stored copies in bulk. Until then the sweep leaves them alone (they are younger than its
 * grace period); if this instance dies first, the sweep republishes them and JetStream's duplicate
 * window drops the copies.
 */
export function createClearer(
  store: OutboxStore,
  log: Logger,
  tuning: { batchSize: number; clearDelayMs: number },
) {
  const ids: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let clearing: Promise<void> = Promise.resolve();
  let retrying = true;

  function now(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (!ids.length) return clearing;
    const batch = ids.splice(0);
    clearing = clearing.then(() =>
      store.remove(batch).catch((error: unknown) => {
        // Once stopped, nothing retries: the sweep republishes them and JetStream drops the copies.
        log.warn({ err: error, events: batch.length, retrying }, 'published events not cleared');
        if (retrying) later(batch);
      }),
    );
    return clearing;
  }

  function later(batch: string[]): void {
    if (!batch.length) return;
    ids.push(...batch);
    if (ids.length >= tuning.batchSize) void now();
    else timer ??= setTimeout(() => void now(), tuning.clearDelayMs);
  }

  return {
    now,
    later,
    stop: () => {
      retrying = false;
    },
  };
}
