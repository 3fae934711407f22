/**
 * Group commit. Writes that arrive while one is in flight are written together in the next one:
 * FerretDB writes 20 documents in one insertMany for about the cost of four insertOne calls, and a
 * PostgreSQL statement over 20 rows costs one commit instead of 20. A lone write still goes at
 * once, so batching adds no wait when the service is quiet. `write` answers one result per item,
 * in order; if it throws, every item of that batch is rejected with the error.
 */
export function createWriteBatch<T, R>(
  write: (items: T[]) => Promise<R[]>,
  maxBatch = 500,
): (item: T) => Promise<R> {
  const queue: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  let running = false;

  async function run(): Promise<void> {
    running = true;
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        const results = await write(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => entry.resolve(results[i]));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) void run();
    });
}
