import type { SpawnedService, Stack } from '@wa/pkg/testing';
import { check, type Verdict } from './checker.ts';
import { faultFor, type ChaosServers, type Fault, type FaultName } from './faults.ts';
import { startLoad, type Load, type LoadOptions } from './load.ts';
import { sampleMemory, type PidSource } from './memory.ts';
import { completedAt, runScenario } from './scenario.ts';

/*
 * A whole chaos run on a stack already started: the load, the faults one at a time, the verdict.
 * `make chaos` (scripts/chaos/run.ts) runs it on private servers it may crash; the short form in
 * `make test` (e2e/chaos.test.ts) on a small load with a few faults.
 */

export interface ChaosOptions {
  stack: Stack;
  servers: ChaosServers;
  faults: FaultName[];
  load: Omit<LoadOptions, 'gateways' | 'log'>;
  /** Load before the first fault's baseline (connections warm, first compilations done). */
  warmupMs: number;
  baselineMs: number;
  downMs: number;
  normalMs: number;
  maxRecoveryMs: number;
  drainMs: number;
  log: (line: string) => void;
}

export interface ChaosResult extends Verdict {
  /** Faults that could not be run here, with why. */
  skipped: { fault: FaultName; why: string }[];
  /** Sockets closed with a code a client gives up on (4xxx). */
  fatalCloses: number;
  memoryStart: Record<string, number>;
  memoryEnd: Record<string, number>;
}

/** Each process by a unique name: `websocket-service#2` for the second instance. */
function processNames(stack: Stack): Map<SpawnedService, string> {
  const counts = new Map<string, number>();
  for (const service of stack.services)
    counts.set(service.name, (counts.get(service.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  const names = new Map<SpawnedService, string>();
  for (const service of stack.services) {
    const index = (seen.get(service.name) ?? 0) + 1;
    seen.set(service.name, index);
    names.set(service, counts.get(service.name)! > 1 ? `${service.name}#${index}` : service.name);
  }
  return names;
}

/** Sent, acknowledged and complete (delivered to every recipient) so far, and the last 10 s. */
function progressLine(load: Load): string {
  const sends = load.sends();
  const since = performance.now() - 10_000;
  const recent = load.samples.filter((s) => s.at >= since).map((s) => s.latencyMs);
  recent.sort((a, b) => a - b);
  const p95 = recent.length ? recent[Math.floor(recent.length * 0.95)].toFixed(0) : '-';
  const complete = sends.filter((send) => completedAt(send, load) !== undefined).length;
  const acked = sends.filter((send) => send.messageId).length;
  return `progress: ${sends.length} sent, ${acked} acknowledged, ${complete} delivered to all; last 10 s: ${recent.length} acks, p95 ${p95} ms`;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { stack, servers, log } = options;
  const names = processNames(stack);
  const pids: PidSource = () => ({
    ...Object.fromEntries([...names].map(([service, name]) => [name, service.process.pid])),
    'nats-server': servers.nats?.pid(),
    'redis-server': servers.redis?.pid(),
    postgresql: servers.postgres?.pid(),
    ferretdb: servers.ferretdb?.pid(),
    versitygw: servers.s3?.pid(),
  });
  const faults: Fault[] = [];
  const skipped: ChaosResult['skipped'] = [];
  for (const name of options.faults) {
    const fault = faultFor(name, stack, servers);
    if (typeof fault === 'string') skipped.push({ fault: name, why: fault });
    else {
      const service = stack.services.find((s) => s.name === fault.restarted);
      faults.push(
        name === 'websocket-service'
          ? { ...fault, restarted: names.get(stack.websockets[0].service)! }
          : service && names.get(service)
            ? { ...fault, restarted: names.get(service)! }
            : fault,
      );
    }
  }

  let progress: NodeJS.Timeout | undefined;
  const load = await startLoad({ ...options.load, gateways: stack.gateways, log });
  try {
    load.startSending();
    progress = setInterval(() => log(progressLine(load)), 10_000);
    await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
    const memoryStart = sampleMemory(pids);
    const runs = await runScenario({
      load,
      faults,
      pids,
      baselineMs: options.baselineMs,
      downMs: options.downMs,
      normalMs: options.normalMs,
      maxRecoveryMs: options.maxRecoveryMs,
      log,
    });
    const verdict = await check({ load, runs, drainMs: options.drainMs, log });
    return {
      ...verdict,
      skipped,
      fatalCloses: load.fatalCloses.length,
      memoryStart,
      memoryEnd: sampleMemory(pids),
    };
  } finally {
    clearInterval(progress);
    load.stop();
  }
}
