// The supervisor of `make run` as a real process over real child processes (tiny HTTP services):
// a crashed service comes back with backoff while its sibling keeps serving, a service whose
// /health fails is killed and restarted, and SIGTERM stops everything and exits 0.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, freePort, using } from '@wa/pkg/testing';
import type { SupervisionPolicy } from '../supervisor/policy.ts';
import type { RunSupervisorOptions } from '../supervisor/run.ts';
import type { ServiceSpec } from '../supervisor/supervisor.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures');
const tinyService = join(fixtures, 'tiny-service.ts');

// The default policy's shape with test-sized times.
const policy: SupervisionPolicy = {
  backoff: { initialMs: 200, maxMs: 1_000, resetAfterMs: 60_000 },
  liveness: { intervalMs: 100, startupIntervalMs: 50, timeoutMs: 1_000, failureThreshold: 3 },
};

function tiny(name: string, port: number, options: { watch?: boolean; env?: object } = {}) {
  return {
    name,
    command: process.execPath,
    args: [...(options.watch ? ['--watch'] : []), tinyService],
    env: { PORT: String(port), ...options.env },
    healthUrl: `http://127.0.0.1:${port}/health`,
  } satisfies ServiceSpec;
}

interface RunningSupervisor {
  process: ChildProcess;
  logDir: string;
  output: () => string;
  /** Resolves with the first line matching `pattern` (already printed or still to come). */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startSupervisor(
  t: TestContext,
  services: ServiceSpec[],
  graceMs = 5_000,
): RunningSupervisor {
  const logDir = mkdtempSync(join(tmpdir(), 'supervisor-test-'));
  const options: Omit<RunSupervisorOptions, 'onAllHealthy'> = {
    services,
    cwd: fixtures,
    logDir,
    policy,
    graceMs,
  };
  // node --test marks its child processes with NODE_TEST_CONTEXT; the supervisor is not one.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [join(fixtures, 'supervise.ts')], {
    env: { ...env, SUPERVISE_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const running: RunningSupervisor = {
    process: child,
    logDir,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      eventually(
        () => {
          const match = output.match(pattern);
          if (!match) throw new Error(`no line matching ${pattern} in:\n${output}`);
          return match;
        },
        { timeoutMs },
      ),
  };
  // A failed test still leaves no process behind: the supervisor stops its services, and any
  // service group it started is killed should the supervisor itself be gone.
  using(t, running, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(graceMs + 5_000)]);
      child.kill('SIGKILL');
    }
    for (const [, pid] of output.matchAll(/started \S+ \(pid (\d+)/g)) killGroup(Number(pid));
    rmSync(logDir, { recursive: true, force: true });
  });
  return running;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function pidAt(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { pid: number }).pid;
}

/** Asks a port for /health every 20 ms until stopped; every failure and every pid is kept. */
function keepAsking(port: number) {
  const failures: string[] = [];
  const pids = new Set<number>();
  let answers = 0;
  let asking = true;
  const loop = (async () => {
    while (asking) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`, {
          signal: AbortSignal.timeout(2_000),
        });
        const body = (await response.json()) as { pid: number };
        if (response.status === 200) {
          answers += 1;
          pids.add(body.pid);
        } else failures.push(`HTTP ${response.status}`);
      } catch (error) {
        failures.push(String(error));
      }
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      asking = false;
      await loop;
      return { failures, pids: [...pids], answers };
    },
  };
}

test('restarts a crashed service with doubling backoff and a log line; its sibling keeps serving', async (t) => {
  const [steadyPort, crashyPort] = [await freePort(), await freePort()];
  const supervisor = startSupervisor(t, [tiny('steady', steadyPort), tiny('crashy', crashyPort)]);
  await supervisor.waitFor(/ALL HEALTHY/);
  const steadyPid = await pidAt(steadyPort);
  const sibling = using(t, keepAsking(steadyPort)); // stopped after the test, passed or failed

  const first = await pidAt(crashyPort);
  process.kill(first, 'SIGKILL');
  await supervisor.waitFor(/crashy exited with signal SIGKILL; restarting in 0\.2 s \(restart 1\)/);
  await supervisor.waitFor(/crashy is healthy \(restart 1\)/);
  const second = await pidAt(crashyPort);
  assert.notEqual(second, first);

  const killedAt = Date.now();
  process.kill(second, 'SIGKILL');
  await supervisor.waitFor(/crashy exited with signal SIGKILL; restarting in 0\.4 s \(restart 2\)/);
  await supervisor.waitFor(/crashy is healthy \(restart 2\)/);
  const third = await pidAt(crashyPort);
  assert.ok(Date.now() - killedAt >= 400, 'the second restart waited its 0.4 s');
  assert.ok(![first, second].includes(third));

  const { failures, pids, answers } = await sibling.stop();
  assert.deepEqual(failures, [], 'the sibling answered every request meanwhile');
  assert.deepEqual(pids, [steadyPid], 'the sibling was never restarted');
  assert.ok(answers > 5, `the sibling was asked while crashy restarted (${answers} answers)`);

  // One log per service, appended across restarts, with a marker line at each start and exit.
  const log = readFileSync(join(supervisor.logDir, 'crashy.log'), 'utf8');
  for (const pid of [first, second, third]) assert.match(log, new RegExp(`tiny-service ${pid} `));
  assert.match(log, /supervisor: crashy exited with signal SIGKILL =====/);
  assert.match(log, /supervisor: starting crashy \(restart 2\) =====/);
  assert.doesNotMatch(readFileSync(join(supervisor.logDir, 'steady.log'), 'utf8'), /restart/);
});

test('a service that exits by itself is restarted too (restart: unless-stopped)', async (t) => {
  const port = await freePort();
  const supervisor = startSupervisor(t, [tiny('quitter', port)]);
  await supervisor.waitFor(/ALL HEALTHY/);
  const first = await pidAt(port);
  process.kill(first, 'SIGTERM'); // the fixture closes its server and exits 0
  await supervisor.waitFor(/quitter exited with code 0; restarting in 0\.2 s \(restart 1\)/);
  await supervisor.waitFor(/quitter is healthy \(restart 1\)/);
  assert.notEqual(await pidAt(port), first);
});

test('kills and restarts a service whose /health fails 3 times in a row after it was healthy', async (t) => {
  const port = await freePort();
  const supervisor = startSupervisor(t, [tiny('wedged', port)]);
  await supervisor.waitFor(/ALL HEALTHY/);
  const before = await pidAt(port);

  await fetch(`http://127.0.0.1:${port}/sick`, { method: 'POST' });
  await supervisor.waitFor(/wedged \/health failed \(HTTP 503\), 1\/3/);
  await supervisor.waitFor(
    /wedged failed its liveness check 3 times in a row \(last: HTTP 503\); killing it \(SIGKILL\)/,
  );
  await supervisor.waitFor(/wedged exited with signal SIGKILL; restarting in 0\.2 s \(restart 1\)/);
  await supervisor.waitFor(/wedged is healthy \(restart 1\)/);
  assert.notEqual(await pidAt(port), before);
  assert.equal(isAlive(before), false);
});

test('under node --watch (make dev) a liveness kill also ends the service process the watcher ran', async (t) => {
  const port = await freePort();
  const supervisor = startSupervisor(t, [tiny('watched', port, { watch: true })]);
  await supervisor.waitFor(/ALL HEALTHY/);
  const [, watcher] = (await supervisor.waitFor(/started watched \(pid (\d+)/)).map(Number);
  const service = await pidAt(port);
  assert.notEqual(service, watcher, 'node --watch runs the service in a child process');

  await fetch(`http://127.0.0.1:${port}/sick`, { method: 'POST' });
  await supervisor.waitFor(/watched exited with signal SIGKILL; restarting in 0\.2 s/);
  await supervisor.waitFor(/watched is healthy \(restart 1\)/);
  // Had only the watcher been killed, its child would still hold the port and answer 503.
  assert.notEqual(await pidAt(port), service);
  await eventually(() => assert.equal(isAlive(service), false));
});

test('SIGTERM stops every service (SIGKILL after the grace period if need be) and exits 0', async (t) => {
  const [politePort, stubbornPort] = [await freePort(), await freePort()];
  const supervisor = startSupervisor(
    t,
    [tiny('polite', politePort), tiny('stubborn', stubbornPort, { env: { IGNORE_SIGTERM: '1' } })],
    1_000,
  );
  await supervisor.waitFor(/ALL HEALTHY/);
  const pids = [await pidAt(politePort), await pidAt(stubbornPort)];

  supervisor.process.kill('SIGTERM');
  assert.deepEqual(await supervisor.exited, { code: 0, signal: null });
  const output = supervisor.output();
  assert.match(output, /SIGTERM received/);
  assert.match(output, /polite exited with code 0/);
  assert.match(output, /stubborn did not stop within 1 s; SIGKILL/);
  assert.match(output, /stubborn exited with signal SIGKILL/);
  assert.match(output, /all services stopped/);
  assert.doesNotMatch(output, /restarting in/);
  for (const pid of pids) assert.equal(isAlive(pid), false);
  assert.match(readFileSync(join(supervisor.logDir, 'stubborn.log'), 'utf8'), /got SIGTERM/);
});
