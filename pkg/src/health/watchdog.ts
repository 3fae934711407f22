/**
 * Liveness: a service that can no longer make progress must say so on `/health`, so that its
 * supervisor (Kubernetes, `make run`) restarts it. Two signs count, both measured without any
 * per-message timer:
 * - work stuck: some kind of work (HTTP handlers, RPCs, events, store writes) has units in flight
 *   and none of that kind has finished for `stallMs`. Counters only; the watchdog compares them.
 * - event loop starved: the watchdog's own periodic sample fires more than `loopDelayMs` late, in
 *   every sample for `loopDelayForMs` (one timer for the whole process).
 * A dependency that is down does not count: requests then fail fast, and failing is finishing.
 */

/** One kind of work the service reports into the watchdog. */
export interface WorkTracker {
  /** One unit of work has begun; call what it returns once that unit has ended, however it ended. */
  begin(): () => void;
}

const nothing = () => {};
/** For units built without a watchdog (tests, scripts). */
export const UNTRACKED: WorkTracker = { begin: () => nothing };

export interface LivenessBounds {
  /** Work of one kind in flight, none of it finishing for this long: stuck. */
  stallMs: number;
  /** A sample of the event loop this late counts as delayed… */
  loopDelayMs: number;
  /** …and delayed samples without a punctual one in between for this long: starved. */
  loopDelayForMs: number;
  /** How often the watchdog samples. */
  sampleEveryMs: number;
}

export const DEFAULT_LIVENESS: Readonly<LivenessBounds> = Object.freeze({
  stallMs: 60_000,
  loopDelayMs: 1_000,
  loopDelayForMs: 10_000,
  sampleEveryMs: 1_000,
});

/** Why the service is not live, in the envelope's `details` shape: what is stuck, and how. */
export interface LivenessProblem {
  field: string;
  message: string;
}

export interface ProgressWatchdog {
  /** The tracker of one kind of work (`http`, `grpc`, `bus`, `store`…); the same one per kind. */
  tracker(kind: string): WorkTracker;
  /** Empty while the service makes progress. */
  problems(): LivenessProblem[];
  /** One sample (the timer takes one every `sampleEveryMs`; tests call it by hand). */
  sample(): void;
  /** Starts the sampling timer (unref'd); idempotent. */
  start(): void;
  stop(): void;
}

export interface WatchdogOptions {
  /** Milliseconds of a monotonic clock (default `performance.now`); tests drive their own. */
  now?: () => number;
}

interface KindState {
  inFlight: number;
  finished: number;
  /** `finished` when it was last looked at, and when it last moved (or nothing was in flight). */
  seenFinished: number;
  progressAt: number;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export function createProgressWatchdog(
  bounds: Partial<LivenessBounds> = {},
  options: WatchdogOptions = {},
): ProgressWatchdog {
  const { stallMs, loopDelayMs, loopDelayForMs, sampleEveryMs } = {
    ...DEFAULT_LIVENESS,
    ...bounds,
  };
  const now = options.now ?? (() => performance.now());
  const kinds = new Map<string, { state: KindState; tracker: WorkTracker }>();
  let lastSampleAt = now();
  let lastDelayMs = 0;
  /** When the current run of late samples began (the first late sample's due time). */
  let delayedSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;

  function tracker(kind: string): WorkTracker {
    const known = kinds.get(kind);
    if (known) return known.tracker;
    const state: KindState = { inFlight: 0, finished: 0, seenFinished: 0, progressAt: now() };
    const made: WorkTracker = {
      begin() {
        state.inFlight += 1;
        let ended = false;
        return () => {
          if (ended) return;
          ended = true;
          state.inFlight -= 1;
          state.finished += 1;
        };
      },
    };
    kinds.set(kind, { state, tracker: made });
    return made;
  }

  function lookAt(state: KindState, at: number): void {
    if (state.inFlight === 0 || state.finished !== state.seenFinished) {
      state.seenFinished = state.finished;
      state.progressAt = at;
    }
  }

  function sample(): void {
    const at = now();
    const due = lastSampleAt + sampleEveryMs;
    lastDelayMs = Math.max(0, at - due);
    if (lastDelayMs > loopDelayMs) delayedSince ??= due;
    else delayedSince = undefined;
    lastSampleAt = at;
    for (const { state } of kinds.values()) lookAt(state, at);
  }

  function problems(): LivenessProblem[] {
    const at = now();
    const found: LivenessProblem[] = [];
    if (delayedSince !== undefined && lastSampleAt - delayedSince >= loopDelayForMs)
      found.push({
        field: 'event_loop',
        message: `delayed over ${loopDelayMs} ms for ${seconds(lastSampleAt - delayedSince)} (last ${Math.round(lastDelayMs)} ms)`,
      });
    for (const [kind, { state }] of kinds) {
      lookAt(state, at);
      const stalled = at - state.progressAt;
      if (state.inFlight > 0 && stalled >= stallMs)
        found.push({
          field: kind,
          message: `${state.inFlight} in flight, none finished for ${seconds(stalled)}`,
        });
    }
    return found;
  }

  return {
    tracker,
    problems,
    sample,
    start() {
      if (timer) return;
      lastSampleAt = now();
      delayedSince = undefined;
      timer = setInterval(sample, sampleEveryMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
