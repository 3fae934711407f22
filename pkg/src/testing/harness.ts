import { setTimeout as sleep } from 'node:timers/promises';

/** The part of a node:test context (or suite) a harness needs. */
export interface TeardownContext {
  after(fn: () => unknown): void;
}

type Closable = { close(): unknown } | { stop(): unknown };

const closeOf = (resource: Closable) => ('close' in resource ? resource.close() : resource.stop());

const held = new WeakMap<TeardownContext, (() => unknown)[]>();

/**
 * Ties `resource` to the test: it is released after the test, passed or failed, so a failing test
 * never leaks processes or connections. Resources are released in reverse order (a service before
 * the server it uses). `release` defaults to `close()`, else `stop()`. Use it with a test's own
 * context (`test('…', async (t) => …)`); a file's shared resources go in `after()`.
 *   const nats = using(t, await startNatsServer(), (server) => server.destroy());
 */
export function using<R>(
  t: TeardownContext,
  resource: R,
  ...[release]: R extends Closable
    ? [release?: (resource: R) => unknown]
    : [release: (resource: R) => unknown]
): R {
  let releases = held.get(t);
  if (!releases) {
    const list: (() => unknown)[] = [];
    releases = list;
    held.set(t, list);
    // Every release runs even when one fails; the first failure is reported.
    t.after(async () => {
      const failures: unknown[] = [];
      for (const run of list.reverse()) {
        try {
          await run();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length) throw new AggregateError(failures, 'releasing test resources failed');
    });
  }
  releases.push(() => (release ? release(resource) : closeOf(resource as Closable)));
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
