import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface GroupExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (no such command, …). */
  error?: Error;
}

export interface ProcessGroup {
  pid: number | undefined;
  exited: Promise<GroupExit>;
  /** Signals every process of the group; a no-op once it is gone. */
  signal(signal: NodeJS.Signals): void;
}

export interface GroupSpawn {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/**
 * Starts a command as the leader of a process group of its own, so a signal reaches every process
 * it started: `node --watch` runs the service in a child, and killing only the watcher would leave
 * that child holding the port. The group also keeps a terminal's Ctrl-C away from the services: the
 * supervisor alone decides how they stop.
 */
export function spawnGroup(options: GroupSpawn): ProcessGroup {
  const out = openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out); // the child holds its own copy
  const pid = child.pid;
  const exited = new Promise<GroupExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      if (pid === undefined) resolve({ code: null, signal: null, error });
    });
  });
  let gone = pid === undefined;
  void exited.then(() => {
    // Whatever the leader left behind dies with it: a restart must find the port free.
    signalGroup(pid, 'SIGKILL');
    gone = true;
  });
  return {
    pid,
    exited,
    signal: (signal) => {
      if (!gone) signalGroup(pid, signal);
    },
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
