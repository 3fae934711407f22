// The supervisor's decisions as pure functions: when to start a service again after it exited,
// and when a service whose /health keeps failing is to be killed. No timers, no processes here.

/** Restart backoff, as compose's `restart: unless-stopped` and Kubernetes' CrashLoopBackOff do. */
export interface BackoffPolicy {
  /** Delay before the first restart after a run shorter than `resetAfterMs`. */
  initialMs: number;
  /** The delay doubles at each quick exit in a row, up to this. */
  maxMs: number;
  /** A run at least this long counts as healthy: the next exit starts the backoff over. */
  resetAfterMs: number;
}

export interface LivenessPolicy {
  /** Time between probes once the service has answered /health with 2xx. */
  intervalMs: number;
  /** Time between probes while it starts (so a fresh stack is reported up without delay). */
  startupIntervalMs: number;
  /** A probe without an answer within this long is a failure. */
  timeoutMs: number;
  /** Failures in a row, after the service was healthy once, before it is killed. */
  failureThreshold: number;
}

export interface SupervisionPolicy {
  backoff: BackoffPolicy;
  liveness: LivenessPolicy;
}

export const DEFAULT_POLICY: SupervisionPolicy = Object.freeze({
  backoff: Object.freeze({ initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 }),
  liveness: Object.freeze({
    intervalMs: 5_000,
    startupIntervalMs: 500,
    timeoutMs: 2_000,
    failureThreshold: 3,
  }),
});

export interface RestartPlan {
  delayMs: number;
  /** Quick exits in a row, this one included; the next plan starts from it. */
  crashStreak: number;
}

/** The delay before the next start, from the exits in a row before this one and this run's length. */
export function planRestart(
  policy: BackoffPolicy,
  previousStreak: number,
  uptimeMs: number,
): RestartPlan {
  const crashStreak = uptimeMs >= policy.resetAfterMs ? 1 : previousStreak + 1;
  const delayMs = Math.min(policy.maxMs, policy.initialMs * 2 ** (crashStreak - 1));
  return { delayMs, crashStreak };
}

export interface LivenessState {
  /** Whether /health ever answered 2xx in this run: failures before that are start-up, not death. */
  healthySeen: boolean;
  /** Failed probes in a row. */
  failures: number;
}

export const FRESH_LIVENESS: LivenessState = Object.freeze({ healthySeen: false, failures: 0 });

export type ProbeOutcome = { ok: true } | { ok: false; reason: string };

/**
 * - `starting`: not healthy yet, the failure does not count;
 * - `became-healthy`: the first 2xx of this run;
 * - `healthy`: 2xx again; `recovered`: 2xx after failures that did not reach the threshold;
 * - `failing`: a counted failure below the threshold; `dead`: the threshold is reached.
 */
export type LivenessVerdict =
  'starting' | 'became-healthy' | 'healthy' | 'recovered' | 'failing' | 'dead';

export function judgeProbe(
  policy: LivenessPolicy,
  state: LivenessState,
  outcome: ProbeOutcome,
): { state: LivenessState; verdict: LivenessVerdict } {
  if (outcome.ok) {
    const verdict = !state.healthySeen
      ? 'became-healthy'
      : state.failures > 0
        ? 'recovered'
        : 'healthy';
    return { state: { healthySeen: true, failures: 0 }, verdict };
  }
  if (!state.healthySeen) return { state, verdict: 'starting' };
  const failures = state.failures + 1;
  return {
    state: { healthySeen: true, failures },
    verdict: failures >= policy.failureThreshold ? 'dead' : 'failing',
  };
}

/** "0.5 s", "1 s", "30 s": the delays in log lines. */
export function formatDelay(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** How a process ended, as a log line says it: "code 1" or "signal SIGKILL". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal ${signal}`;
  return `code ${code ?? 'unknown'}`;
}
