import { setTimeout as sleep } from 'node:timers/promises';
import type { Send } from './client.ts';
import type { Fault } from './faults.ts';
import type { Load } from './load.ts';
import { largestGrowth, sampleMemory, type PidSource } from './memory.ts';

/*
 * One fault after another under the steady load: a baseline stretch, the kill, a moment down,
 * the restart, then waiting until sends behave as they did before (acknowledged and delivered to
 * every recipient within the latency threshold, for a stretch of `normalMs`).
 */

export interface ScenarioOptions {
  load: Load;
  faults: Fault[];
  pids: PidSource;
  baselineMs: number;
  downMs: number;
  /** How long sends must behave normally before the fault counts as over. */
  normalMs: number;
  /** Longest wait for normal behaviour after the restart. */
  maxRecoveryMs: number;
  log: (line: string) => void;
}

export interface FaultRun {
  name: string;
  restarted: string;
  /** Sends first made in [windowStart, windowEnd) belong to this fault's row. */
  windowStart: number;
  windowEnd: number;
  injectedAt: number;
  restartedAt: number;
  baselineP95Ms: number;
  thresholdMs: number;
  /** From the kill until the last send slowed by it was acknowledged and delivered; undefined if never. */
  recoveryMs?: number;
  memoryBefore: Record<string, number>;
  memoryAfter: Record<string, number>;
  /** The largest growth among processes that were not restarted. */
  memoryGrowth: { name: string; mb: number };
}

/** When `send` was acknowledged and had reached every recipient; undefined while it has not. */
export function completedAt(send: Send, load: Load): number | undefined {
  if (send.ackedAt === undefined || send.messageId === undefined) return undefined;
  let last = send.ackedAt;
  for (const recipient of send.recipients) {
    const got = load.byUser.get(recipient)?.received.get(send.messageId);
    if (!got) return undefined;
    last = Math.max(last, got.firstAt);
  }
  return last;
}

const percentile = (values: number[], p: number) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

export async function runScenario(options: ScenarioOptions): Promise<FaultRun[]> {
  const { load, log } = options;
  const runs: FaultRun[] = [];
  for (const fault of options.faults) {
    const windowStart = performance.now();
    await sleep(options.baselineMs);
    const baselineSends = load
      .sends()
      .filter((s) => s.firstAt >= windowStart && s.firstAt < performance.now() - 1_000);
    // A send not complete yet counts with the time it has waited so far.
    const measuredAt = performance.now();
    const latencies = baselineSends.map((s) => (completedAt(s, load) ?? measuredAt) - s.firstAt);
    const baselineP95Ms = percentile(latencies, 95);
    const thresholdMs = Math.max(2 * baselineP95Ms, baselineP95Ms + 250);
    const memoryBefore = sampleMemory(options.pids);

    const injectedAt = performance.now();
    log(`${fault.name}: baseline p95 ${baselineP95Ms.toFixed(0)} ms; injecting`);
    await fault.inject();
    await sleep(options.downMs);
    await recoverWithRetries(fault, log);
    const restartedAt = performance.now();
    log(`${fault.name}: restarted after ${((restartedAt - injectedAt) / 1000).toFixed(1)} s`);

    const recoveryMs = await waitForNormal(options, injectedAt, restartedAt, thresholdMs);
    log(
      `${fault.name}: ${recoveryMs === undefined ? 'NOT back to normal' : `normal ${(recoveryMs / 1000).toFixed(1)} s after the kill`}`,
    );
    const memoryAfter = sampleMemory(options.pids);
    runs.push({
      name: fault.name,
      restarted: fault.restarted,
      windowStart,
      windowEnd: performance.now(),
      injectedAt,
      restartedAt,
      baselineP95Ms,
      thresholdMs,
      recoveryMs,
      memoryBefore,
      memoryAfter,
      memoryGrowth: largestGrowth(memoryBefore, memoryAfter, [fault.restarted]),
    });
  }
  return runs;
}

/** Restarts what the fault killed; a start that fails (not healthy in time on a busy machine) is tried again. */
async function recoverWithRetries(fault: Fault, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fault.recover();
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      log(
        `${fault.name}: restart attempt ${attempt} failed (${String(error).slice(0, 80)}); again`,
      );
    }
  }
}

/**
 * Waits until every send made in a stretch of `normalMs` after the restart completed within the
 * threshold; returns the time from the kill until the last slow send completed.
 */
async function waitForNormal(
  options: ScenarioOptions,
  injectedAt: number,
  restartedAt: number,
  thresholdMs: number,
): Promise<number | undefined> {
  const { load } = options;
  const deadline = restartedAt + options.maxRecoveryMs;
  for (;;) {
    await sleep(500);
    const now = performance.now();
    // Sends old enough that a normal one would have completed by now.
    const settled = now - thresholdMs;
    let lastBad = -Infinity;
    let lastBadDone = injectedAt;
    let open = false;
    for (const send of load.sends()) {
      if (send.firstAt < injectedAt - 10_000 || send.firstAt > settled) continue;
      const done = completedAt(send, load);
      if (done !== undefined && done - send.firstAt <= thresholdMs) continue;
      lastBad = Math.max(lastBad, send.firstAt);
      lastBadDone = Math.max(lastBadDone, done ?? now);
      if (done === undefined) open = true;
    }
    const calmSince = Math.max(lastBad, restartedAt);
    if (!open && settled - calmSince >= options.normalMs) return lastBadDone - injectedAt;
    if (now > deadline) return undefined;
  }
}
