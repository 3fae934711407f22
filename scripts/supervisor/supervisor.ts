import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  FRESH_LIVENESS,
  describeExit,
  formatDelay,
  judgeProbe,
  planRestart,
  type LivenessState,
  type SupervisionPolicy,
} from './policy.ts';
import { probeHealth } from './probe.ts';
import { spawnGroup, type GroupExit, type ProcessGroup } from './process-group.ts';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  /** Added to the supervisor's own environment. */
  env?: Record<string, string>;
  /** GET answers 2xx while the service is alive; without it the service only restarts on exit. */
  healthUrl?: string;
}

export interface SupervisorOptions {
  services: ServiceSpec[];
  cwd: string;
  /** `<logDir>/<name>.log` gets each service's output, emptied when the supervisor starts. */
  logDir: string;
  policy: SupervisionPolicy;
  /** The supervisor's own lines. */
  log: (line: string) => void;
  /** Called once, the first time every service with a `healthUrl` has answered it. */
  onAllHealthy?: () => void;
}

export interface Supervisor {
  start(): void;
  /** SIGTERM to every service, SIGKILL to any still running after `graceMs`; no more restarts. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL to every service now (a second Ctrl-C while stopping). */
  killAll(): void;
}

interface Slot {
  spec: ServiceSpec;
  logFile: string;
  group?: ProcessGroup;
  startedAt: number;
  /** Quick exits in a row (the backoff's exponent). */
  crashStreak: number;
  /** Every restart since the supervisor started, as Kubernetes counts them. */
  restarts: number;
  liveness: LivenessState;
  restartTimer?: NodeJS.Timeout;
  probeTimer?: NodeJS.Timeout;
}

/** Runs services like compose's `restart: unless-stopped`, plus a liveness probe on `/health`. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { policy, log } = options;
  const slots: Slot[] = options.services.map((spec) => ({
    spec,
    logFile: join(options.logDir, `${spec.name}.log`),
    startedAt: 0,
    crashStreak: 0,
    restarts: 0,
    liveness: FRESH_LIVENESS,
  }));
  const everHealthy = new Set<string>();
  let stopping = false;

  const marker = (slot: Slot, text: string) =>
    appendFileSync(slot.logFile, `===== ${new Date().toISOString()} supervisor: ${text} =====\n`);

  function launch(slot: Slot): void {
    slot.restartTimer = undefined;
    const { name } = slot.spec;
    mkdirSync(options.logDir, { recursive: true }); // a `rm -rf .run` meanwhile must not stop restarts
    marker(
      slot,
      slot.restarts ? `starting ${name} (restart ${slot.restarts})` : `starting ${name}`,
    );
    const group = spawnGroup({
      command: slot.spec.command,
      args: slot.spec.args,
      cwd: options.cwd,
      env: { ...process.env, ...slot.spec.env },
      logFile: slot.logFile,
    });
    slot.group = group;
    slot.startedAt = Date.now();
    slot.liveness = FRESH_LIVENESS;
    log(`started ${name} (pid ${group.pid ?? 'none'}, log ${relative(options.cwd, slot.logFile)})`);
    if (slot.spec.healthUrl) scheduleProbe(slot, group, policy.liveness.startupIntervalMs);
    void group.exited.then((exit) => onExit(slot, exit));
  }

  function onExit(slot: Slot, exit: GroupExit): void {
    clearTimeout(slot.probeTimer);
    slot.group = undefined;
    const { name } = slot.spec;
    const how = exit.error
      ? `could not start (${exit.error.message})`
      : `exited with ${describeExit(exit.code, exit.signal)}`;
    marker(slot, `${name} ${how}`);
    if (stopping) return log(`${name} ${how}`);
    const plan = planRestart(policy.backoff, slot.crashStreak, Date.now() - slot.startedAt);
    slot.crashStreak = plan.crashStreak;
    slot.restarts += 1;
    log(`${name} ${how}; restarting in ${formatDelay(plan.delayMs)} (restart ${slot.restarts})`);
    slot.restartTimer = setTimeout(() => launch(slot), plan.delayMs);
  }

  function scheduleProbe(slot: Slot, group: ProcessGroup, delayMs: number): void {
    slot.probeTimer = setTimeout(() => void probeOnce(slot, group), delayMs);
  }

  async function probeOnce(slot: Slot, group: ProcessGroup): Promise<void> {
    const { liveness } = policy;
    const outcome = await probeHealth(slot.spec.healthUrl!, liveness.timeoutMs);
    if (stopping || slot.group !== group) return; // that run ended while the probe was out
    const { state, verdict } = judgeProbe(liveness, slot.liveness, outcome);
    slot.liveness = state;
    const { name } = slot.spec;
    const reason = outcome.ok ? '' : outcome.reason;
    switch (verdict) {
      case 'starting':
        return scheduleProbe(slot, group, liveness.startupIntervalMs);
      case 'became-healthy':
        log(slot.restarts ? `${name} is healthy (restart ${slot.restarts})` : `${name} is healthy`);
        noteHealthy(name);
        break;
      case 'healthy':
        break;
      case 'recovered':
        log(`${name} /health answers again`);
        break;
      case 'failing':
        log(`${name} /health failed (${reason}), ${state.failures}/${liveness.failureThreshold}`);
        break;
      case 'dead':
        log(
          `${name} failed its liveness check ${state.failures} times in a row (last: ${reason}); killing it (SIGKILL)`,
        );
        return group.signal('SIGKILL'); // its exit schedules the restart
    }
    scheduleProbe(slot, group, liveness.intervalMs);
  }

  function noteHealthy(name: string): void {
    if (everHealthy.has(name)) return;
    everHealthy.add(name);
    const probed = slots.filter((slot) => slot.spec.healthUrl);
    if (everHealthy.size === probed.length) options.onAllHealthy?.();
  }

  async function stop(graceMs: number): Promise<void> {
    stopping = true;
    for (const slot of slots) {
      clearTimeout(slot.restartTimer);
      clearTimeout(slot.probeTimer);
    }
    const running = slots.flatMap((slot) => (slot.group ? [{ slot, group: slot.group }] : []));
    log(`stopping ${running.length} services (SIGTERM, SIGKILL after ${formatDelay(graceMs)})`);
    for (const { group } of running) group.signal('SIGTERM');
    const deadline = setTimeout(() => {
      for (const { slot, group } of running) {
        if (slot.group !== group) continue;
        log(`${slot.spec.name} did not stop within ${formatDelay(graceMs)}; SIGKILL`);
        group.signal('SIGKILL');
      }
    }, graceMs);
    await Promise.all(running.map(({ group }) => group.exited));
    clearTimeout(deadline);
    log('all services stopped');
  }

  return {
    start() {
      mkdirSync(options.logDir, { recursive: true });
      for (const slot of slots) writeFileSync(slot.logFile, '');
      for (const slot of slots) launch(slot);
    },
    stop,
    killAll() {
      for (const slot of slots) slot.group?.signal('SIGKILL');
    },
  };
}
