/**
 * Runs at most `max` tasks at a time; the others wait their turn, oldest first. For a store that
 * breaks down under too many concurrent commands rather than queueing them itself: FerretDB v1
 * holds a PostgreSQL connection per command in flight and, once its pool is exhausted by commands
 * each waiting for a second connection, never answers again.
 */
export function createConcurrencyLimit(max: number) {
  if (!Number.isInteger(max) || max < 1) throw new Error('max must be a positive integer');
  let running = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  return async function limited<T>(task: () => Promise<T>): Promise<T> {
    if (running < max) running += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
}

export type ConcurrencyLimit = ReturnType<typeof createConcurrencyLimit>;
