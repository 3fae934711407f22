import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { FixedRateResult } from './fixed-rate.ts';
import type { SaturateResult } from './saturate.ts';

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Exact percentiles (nearest rank) of latencies in milliseconds. */
export function summarise(latencies: readonly number[]): LatencySummary {
  if (latencies.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(latencies).sort();
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  };
}

export interface Scenario {
  name: string;
  result: FixedRateResult | SaturateResult;
  /** CPU use during the run, percent of one core per process group; `machine` in % of all cores. */
  cpu?: Record<string, number>;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');

/** One markdown row per scenario, as docs/benchmarks.md shows them. */
export function markdownTable(scenarios: readonly Scenario[]): string {
  const lines = [
    '| Scenario | Load | Answered/s | p50 ms | p95 ms | p99 ms | max ms | Not 2xx / errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { name, result } of scenarios) {
    if (result.kind === 'fixed-rate') {
      const bad = Object.entries(result.statuses)
        .filter(([status]) => !status.startsWith('2'))
        .reduce((total, [, count]) => total + count, 0);
      lines.push(
        `| ${name} | ${result.targetRate}/s open loop, ${result.durationSeconds} s | ${result.rps.toFixed(0)} | ` +
          `${ms(result.p50)} | ${ms(result.p95)} | ${ms(result.p99)} | ${ms(result.max)} | ${bad} / ${result.errors} |`,
      );
    } else {
      lines.push(
        `| ${name} | ${result.connections} connections closed loop, ${result.durationSeconds} s | ` +
          `${result.rps.toFixed(0)} | ${ms(result.p50)} | p90 ${ms(result.p90)} | ${ms(result.p99)} | ` +
          `${ms(result.max)} | ${result.non2xx} / ${result.errors} |`,
      );
    }
  }
  return lines.join('\n');
}

/** One line per scenario: where the CPU went while it ran. */
export function cpuLines(scenarios: readonly Scenario[]): string {
  return scenarios
    .filter((scenario) => scenario.cpu)
    .map(({ name, result, cpu }) => {
      const { machine, ...groups } = cpu!;
      const parts = Object.entries(groups).map(([group, value]) => `${group} ${value} %`);
      return `- ${name} (${result.kind}): machine ${machine} % busy; ${parts.join(', ')}`;
    })
    .join('\n');
}

/** What the figures depend on: the machine and how busy it was when the run started. */
export function machineNote(): string {
  const [one, five] = loadavg();
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${one.toFixed(2)} / ${five.toFixed(2)} at start, Node ${process.version}`;
}

/** Writes the run to `.run/bench/<name>-<timestamp>.json` (ignored by git) and returns the path. */
export function saveRun(name: string, scenarios: readonly Scenario[]): string {
  const dir = resolve(import.meta.dirname, '../../.run/bench');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine: machineNote(), scenarios }, null, 2));
  return file;
}
