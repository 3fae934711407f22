/**
 * Readiness: can this instance serve now? Each dependency is asked in parallel and given
 * `timeoutMs` to answer, so `/ready` always answers within about that bound and names the
 * dependency it waited for, even when a store accepts connections and never replies.
 */

/** Dependency name → a ping that resolves true when the dependency answers. */
export type ReadinessChecks = Readonly<Record<string, () => Promise<boolean>>>;

/** Per dependency: `ok`, `unreachable`, or `timeout after <n> ms`. */
export type ReadinessReport = { ready: boolean; checks: Record<string, string> };

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

const UNREACHABLE = 'unreachable';

export function createReadiness(checks: ReadinessChecks, timeoutMs = DEFAULT_READINESS_TIMEOUT_MS) {
  /*
   * A ping that never settles (a client queueing commands for a store that never answers) is
   * joined by later probes instead of started again, so a hung store costs one pending ping, not
   * one per probe.
   */
  const pending = new Map<string, Promise<string>>();

  function ping(name: string, check: () => Promise<boolean>): Promise<string> {
    let running = pending.get(name);
    if (!running) {
      const started = Promise.resolve()
        .then(check)
        .then(
          (up) => (up ? 'ok' : UNREACHABLE),
          () => UNREACHABLE,
        )
        .finally(() => pending.delete(name));
      pending.set(name, started);
      running = started;
    }
    return running;
  }

  function withinBound(outcome: Promise<string>): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`timeout after ${timeoutMs} ms`), timeoutMs);
    });
    return Promise.race([outcome, timeout]).finally(() => clearTimeout(timer));
  }

  return {
    async check(): Promise<ReadinessReport> {
      const names = Object.keys(checks);
      const outcomes = await Promise.all(
        names.map((name) => withinBound(ping(name, checks[name]))),
      );
      const report = Object.fromEntries(names.map((name, i) => [name, outcomes[i]]));
      return { ready: outcomes.every((outcome) => outcome === 'ok'), checks: report };
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;
