import { UNTRACKED, type WorkTracker } from '../health/index.ts';

export interface WriteBatchOptions {
  /** Most items written in one call (default 500). */
  maxBatch?: number;
  /** Each write is reported into the service's progress watchdog (liveness). */
  progress?: WorkTracker;
  /**
   * When idle, how long the first item waits for others before the write (default 0: at once).
   * A statement's fixed cost (planning, commit) is then shared by more items, for that much delay.
   */
  lingerMs?: number;
}

interface Entry<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit. Writes that arrive while one is in flight are written together in the next one:
 * FerretDB writes 20 documents in one insertMany for about the cost of four insertOne calls, and a
 * PostgreSQL statement over 20 rows costs one commit instead of 20. A lone write still goes at
 * once, so batching adds no wait when the service is quiet, unless `lingerMs` asks it to wait for
 * company. `write` answers one result per item, in order.
 *
 * When a write of several items throws, each item is written again on its own, so one bad item
 * (a document the store refuses) fails only its own caller, never the others batched with it.
 * `write` must therefore be safe to repeat for items a failed call may have partly written.
 */
export function createWriteBatch<T, R>(
  write: (items: T[]) => Promise<R[]>,
  options: WriteBatchOptions = {},
): (item: T) => Promise<R> {
  const { maxBatch = 500, progress = UNTRACKED, lingerMs = 0 } = options;
  const queue: Entry<T, R>[] = [];
  let running = false;
  let lingering: NodeJS.Timeout | undefined;

  async function tracked(items: T[]): Promise<R[]> {
    const done = progress.begin();
    try {
      return await write(items);
    } finally {
      done();
    }
  }

  async function writeAlone(entry: Entry<T, R>): Promise<void> {
    try {
      const [result] = await tracked([entry.item]);
      entry.resolve(result);
    } catch (error) {
      entry.reject(error);
    }
  }

  async function run(): Promise<void> {
    clearTimeout(lingering);
    lingering = undefined;
    running = true;
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        const results = await tracked(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => entry.resolve(results[i]));
      } catch (error) {
        if (batch.length === 1) batch[0].reject(error);
        else for (const entry of batch) await writeAlone(entry);
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      if (lingerMs <= 0 || queue.length >= maxBatch) void run();
      else lingering ??= setTimeout(() => void run(), lingerMs);
    });
}
