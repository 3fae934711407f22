import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second for /proc times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * Processes to account for, by name: fixed pids or, for a server that forks, a command name.
 * `partOf` names the group this one is a subset of (left out of the machine's sum).
 */
export type ProcessGroups = Record<
  string,
  { pids?: number[]; command?: string; port?: number; argument?: string; partOf?: string }
>;

/** The servers a stack runs on, by the command name their processes have. */
const STORE_COMMANDS = {
  nats: 'nats-server',
  redis: 'redis-server',
  ferretdb: 'ferretdb',
  postgres: 'postgres',
} as const;

/**
 * Every process of a bench stack (its services by pid), the load generator and the named stores;
 * a store given a port counts only the server listening there (others' private test servers run
 * beside it).
 */
export function stackGroups(
  servicePids: Record<string, number>,
  stores: (keyof typeof STORE_COMMANDS)[],
  ports: Partial<Record<keyof typeof STORE_COMMANDS, number>> = {},
): ProcessGroups {
  return {
    ...Object.fromEntries(
      Object.entries(servicePids).map(([name, pid]) => [name, { pids: [pid] }]),
    ),
    'load generator': { pids: [process.pid] },
    ...Object.fromEntries(
      stores.map((store) => [store, { command: STORE_COMMANDS[store], port: ports[store] }]),
    ),
  };
}

/** The port of a `scheme://host:port/…` URL, when it names one. */
export const portOf = (url: string): number | undefined => {
  const port = new URL(url).port;
  return port ? Number(port) : undefined;
};

/**
 * Whether a process's command line names the port (`-p 4222`, `127.0.0.1:6379`) and has the
 * argument (a PostgreSQL backend shows its database: `postgres: 15/main: postgres <db> …`).
 */
function matches(pid: string, port: number | undefined, argument: string | undefined): boolean {
  const tokens = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  return (
    (port === undefined ||
      tokens.some((token) => token === String(port) || token.endsWith(`:${port}`))) &&
    (argument === undefined || tokens.includes(argument))
  );
}

/** Percent of one core per group; `others` is what the rest of the machine used; `machine` in % of all cores. */
export type CpuReport = Record<string, number> & { others: number; machine: number };

function processTicks(pid: number): number | undefined {
  try {
    // The command may contain spaces; fields after its closing bracket start at state (field 3).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

function pidsOf(command: string, port?: number, argument?: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== command) return false;
        return matches(pid, port, argument);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = values.map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = ticks[3] + ticks[4]; // idle + iowait
  return { busy: total - idle, total };
}

function snapshot(groups: ProcessGroups) {
  const perPid = new Map<number, number>();
  const members: Record<string, number[]> = {};
  for (const [name, group] of Object.entries(groups)) {
    members[name] = [
      ...(group.pids ?? []),
      ...(group.command ? pidsOf(group.command, group.port, group.argument) : []),
    ];
    for (const pid of members[name]) perPid.set(pid, processTicks(pid) ?? 0);
  }
  return { perPid, members, machine: machineTicks(), at: performance.now() };
}

/**
 * Starts measuring; the returned function gives each group's CPU use since then in percent of one
 * core (200 = both cores of a 2-core machine), and the whole machine's busy share in percent of
 * all cores. Linux only (reads /proc).
 */
export function measureCpu(groups: ProcessGroups): () => CpuReport {
  const start = snapshot(groups);
  return () => {
    const end = snapshot(groups);
    const seconds = (end.at - start.at) / 1_000;
    const report: Record<string, number> = {};
    for (const [name, pids] of Object.entries(end.members)) {
      const ticks = pids.reduce(
        (sum, pid) => sum + (end.perPid.get(pid) ?? 0) - (start.perPid.get(pid) ?? 0),
        0,
      );
      report[name] = Math.round((ticks / TICKS_PER_SECOND / seconds) * 1_000) / 10;
    }
    const busy = end.machine.busy - start.machine.busy;
    const total = end.machine.total - start.machine.total;
    const machine = busy / Math.max(total, 1);
    const ours = Object.entries(report)
      .filter(([name]) => !groups[name]?.partOf)
      .reduce((sum, [, value]) => sum + value, 0);
    // Anything else running (another build, a test run) shows here and makes the figures suspect.
    const others = Math.max(0, Math.round(machine * cpus().length * 100 - ours));
    return { ...report, others, machine: Math.round(machine * 100) };
  };
}

/**
 * Waits until the whole machine is at most `maxBusyPercent` busy over a 2-second sample, for up to
 * `timeoutSeconds`; false when it never got that quiet (the figures are then marked by `others`).
 */
export async function waitForQuietMachine(
  maxBusyPercent: number,
  timeoutSeconds: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1_000;
  do {
    const sample = measureCpu({});
    await new Promise((done) => setTimeout(done, 2_000));
    if (sample().machine <= maxBusyPercent) return true;
  } while (Date.now() < deadline);
  return false;
}
