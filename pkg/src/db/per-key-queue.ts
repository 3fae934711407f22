/**
 * Runs tasks one after another per key, different keys concurrently. A key's entry is dropped
 * once its last task settles, so memory follows the keys in flight, not every key ever seen.
 */
export function createPerKeyQueue() {
  const tails = new Map<string, Promise<unknown>>();

  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
