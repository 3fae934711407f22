import { readFileSync } from 'node:fs';

/** Named processes whose memory a run follows (a pid that forks, as PostgreSQL does, with its children). */
export type PidSource = () => Record<string, number | undefined>;

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Proportional set size in kB (shared pages split among their users), RSS where PSS is unreadable. */
function pssKb(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    try {
      const text = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }
}

/** Memory of each named process and its children, in MB. */
export function sampleMemory(pids: PidSource): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids())) {
    if (!pid) continue;
    const all = [pid, ...children(pid)];
    out[name] = Math.round(all.reduce((sum, p) => sum + pssKb(p), 0) / 1024);
  }
  return out;
}

/** The largest growth between two samples among processes present in both (MB), with its name. */
export function largestGrowth(
  before: Record<string, number>,
  after: Record<string, number>,
  skip: string[] = [],
): { name: string; mb: number } {
  let worst = { name: '-', mb: 0 };
  for (const [name, mb] of Object.entries(after)) {
    if (skip.includes(name) || before[name] === undefined) continue;
    const growth = mb - before[name];
    if (growth > worst.mb) worst = { name, mb: growth };
  }
  return worst;
}
