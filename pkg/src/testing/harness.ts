import { setTimeout as sleep } from 'node:timers/promises';

/** The part of a node:test context (or suite) a harness needs. */
export interface TeardownContext {
  after(fn: () => unknown): void;
}

/**
 * Ties `resource` to the test: `resource.close()` runs after it, passed or failed, so a failing
 * test never leaks processes or connections. Returns the resource for chaining:
 * `const stack = using(t, await startStack(…))`.
 */
export function using<R extends { close(): unknown } | { stop(): unknown }>(
  t: TeardownContext,
  resource: R,
): R {
  t.after(async () => {
    await ('close' in resource ? resource.close() : resource.stop());
  });
  return resource;
}

/**
 * Retries `assertion` until it stops throwing (or returns), then resolves with its result; after
 * `timeoutMs` the last failure is thrown. For effects that arrive asynchronously (a consumer, a
 * relay, a cache), never for proving that something did not happen.
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await sleep(intervalMs);
  }
}
