import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A server binary the tests run privately, so they can stop and restart it (an outage). */
export interface ServerProcess {
  /** Stops the process (SIGTERM) and waits for it to exit; a no-op when it is not running. */
  stop(): Promise<void>;
  /** Sends `signal` (SIGKILL: a crash, no shutdown at all) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same arguments (the same port and data directory). */
  start(): Promise<void>;
  /** The running process's id, if it runs. */
  pid(): number | undefined;
}

export interface ServerProcessOptions {
  name: string;
  /** Where to look for the binary, first match wins; `envVar` overrides them. */
  candidates: string[];
  envVar: string;
  args: string[];
  /** A line the server prints on stdout or stderr once it accepts connections. */
  readyWhen: string;
  /** Runs the binary through this command (e.g. `setpriv` to drop root); it must exec, not fork. */
  wrapper?: string[];
}

function serverBinary({ candidates, envVar, name }: ServerProcessOptions): string {
  return process.env[envVar] ?? candidates.find((path) => existsSync(path)) ?? name;
}

// A test file that fails before its after hooks never leaves a server behind.
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** Starts the server and resolves once it printed its ready line. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const [command, ...args] = [...(options.wrapper ?? []), serverBinary(options), ...options.args];
    const proc = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    alive.add(proc);
    proc.once('exit', () => alive.delete(proc));
    let output = '';
    let ready = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.name} not ready:\n${output}`)),
        10_000,
      );
      // Read for as long as it runs (a full pipe would block the server), keep only the start-up.
      const onOutput = (chunk: Buffer) => {
        if (ready) return;
        output += chunk.toString();
        if (output.includes(options.readyWhen)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on('data', onOutput);
      proc.stderr.on('data', onOutput);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited with ${code}:\n${output}`));
      });
      proc.once('error', reject);
    });
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  }

  await start();
  return { start, stop: () => kill('SIGTERM'), kill, pid: () => child?.pid };
}
