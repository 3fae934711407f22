// Summarises the V8 CPU profiles a bench run wrote with BENCH_CPU_PROFILE_DIR: per service, the
// functions with the most self time, counted only within the run's measured windows (the bench
// records them in <dir>/windows.json), so connection setup and shutdown do not blur the hot path.
// Usage: node bench/support/cpu-profile.ts <dir> [window name] [top N]
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A measured window in the clock V8 stamps samples with (CLOCK_MONOTONIC, µs). */
export interface ProfileWindow {
  name: string;
  startUs: number;
  endUs: number;
}

/** The monotonic clock V8's profiler uses, in µs (process.hrtime reads the same clock on Linux). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1_000n);

/** Appends a window to <dir>/windows.json; a no-op when profiling is off. */
export function recordProfileWindow(dir: string | undefined, window: ProfileWindow): void {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, 'windows.json');
  const windows: ProfileWindow[] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as ProfileWindow[])
    : [];
  windows.push(window);
  writeFileSync(file, JSON.stringify(windows, null, 2));
}

const shortUrl = (url: string): string =>
  url
    .replace(/^file:\/\/.*?\/node_modules\//, '')
    .replace(/^file:\/\/.*?\/(pkg|[a-z-]+-service|api-gateway)\//, '$1/');

/** Self time per function (ms) within the window, and the window's sampled total. */
export function selfTimes(profile: CpuProfile, window?: ProfileWindow) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let at = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    if (window && (at < window.startUs || at > window.endUs)) continue;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(profile.samples[i])!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + delta / 1_000);
    total += delta / 1_000;
  }
  return { total, self: [...self.entries()].sort((a, b) => b[1] - a[1]) };
}

function main(): void {
  const [dirArg, windowName, topArg] = process.argv.slice(2);
  if (!dirArg) throw new Error('usage: cpu-profile.ts <dir> [window name] [top N]');
  const dir = resolve(dirArg);
  const windowsFile = join(dir, 'windows.json');
  const windows: ProfileWindow[] = existsSync(windowsFile)
    ? (JSON.parse(readFileSync(windowsFile, 'utf8')) as ProfileWindow[])
    : [];
  const window = windows.find((w) => w.name === windowName) ?? windows.at(-1);
  const top = Number(topArg ?? 25);
  console.log(window ? `window ${window.name}` : 'whole run (no windows.json)');
  for (const service of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(dir, service.name))) {
      if (!file.endsWith('.cpuprofile')) continue;
      const profile = JSON.parse(readFileSync(join(dir, service.name, file), 'utf8')) as CpuProfile;
      const { total, self } = selfTimes(profile, window);
      console.log(`\n${service.name}: ${total.toFixed(0)} ms busy in the window`);
      for (const [name, ms] of self.slice(0, top))
        console.log(
          `  ${ms.toFixed(0).padStart(6)} ms ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${name}`,
        );
    }
  }
}

if (import.meta.main) main();
