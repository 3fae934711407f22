import { createSupervisor, type SupervisorOptions } from './supervisor.ts';

export interface RunSupervisorOptions extends Omit<SupervisorOptions, 'log'> {
  /** How long services get to stop after SIGTERM before SIGKILL. */
  graceMs: number;
}

/** `[supervisor 07:45:12]`: local time, the developer reads these next to their terminal clock. */
export function supervisorLine(line: string): string {
  return `[supervisor ${new Date().toTimeString().slice(0, 8)}] ${line}\n`;
}

/**
 * The supervisor as a process: starts every service, restarts them until SIGINT, SIGTERM or SIGHUP,
 * then stops them all and exits 0. A second signal while stopping kills them at once.
 */
export function runSupervisor(options: RunSupervisorOptions): void {
  const log = (line: string) => process.stdout.write(supervisorLine(line));
  const supervisor = createSupervisor({ ...options, log });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log(`${signal} again: killing every service now`);
      return supervisor.killAll();
    }
    log(`${signal} received`);
    void supervisor.stop(options.graceMs).then(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  supervisor.start();
}
