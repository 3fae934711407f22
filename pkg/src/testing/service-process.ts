import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root: services live in `<root>/<name>/src/main.ts`. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

export interface SpawnedService {
  name: string;
  /** The running process (a new one after `restart()`). */
  readonly process: ChildProcess;
  /** What it printed, across restarts (the latest megabyte or so). */
  output: () => string;
  /** SIGTERM, then SIGKILL after 5 s; a no-op once it exited. */
  stop: () => Promise<void>;
  /** SIGKILL (a crash: no shutdown at all) and waits for it to be gone. */
  kill: () => Promise<void>;
  /** Starts it again on the same port with the same environment, once healthy. */
  restart: () => Promise<void>;
}

// A failed test file may end without its after hooks; no service process outlives it.
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function signal(child: ChildProcess, name: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (!running(child)) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill(name);
  const killer = name === 'SIGTERM' ? setTimeout(() => child.kill('SIGKILL'), 5_000) : undefined;
  await exited;
  clearTimeout(killer);
}

/** Characters of a service's output kept (its latest lines). */
const OUTPUT_KEPT = 1_000_000;

/** Starts `<name>/src/main.ts` as a real process and waits until its /health answers. */
export async function spawnService(
  name: string,
  httpPort: number,
  env: Record<string, string>,
): Promise<SpawnedService> {
  let output = '';
  const launch = () => {
    const child = spawn(process.execPath, [resolve(repoRoot, name, 'src/main.ts')], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    alive.add(child);
    child.once('exit', () => alive.delete(child));
    // Only the latest output is kept: a service logging a line per failed request during an outage
    // would otherwise outgrow the longest string V8 allows.
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > OUTPUT_KEPT * 2) output = output.slice(-OUTPUT_KEPT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    return child;
  };

  let child = launch();
  const service: SpawnedService = {
    name,
    get process() {
      return child;
    },
    output: () => output,
    stop: () => signal(child, 'SIGTERM'),
    kill: () => signal(child, 'SIGKILL'),
    restart: async () => {
      await signal(child, 'SIGKILL');
      child = launch();
      await healthy();
    },
  };

  async function healthy(): Promise<void> {
    // Generous: two test files start stacks side by side on a shared 2-core machine.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${httpPort}/health`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await service.stop();
    throw new Error(`${name} did not become healthy:\n${output}`);
  }

  await healthy();
  return service;
}
