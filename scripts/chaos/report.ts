import type { Row, Verdict } from './checker.ts';

/** The fault table as Markdown (docs/reliability.md). */
export function markdownTable(rows: Row[]): string {
  const lines = [
    '| Fault | Sent | Acknowledged | Delivered | Lost | Duplicates | Live repeats (same id) | Recovery | Memory (largest growth, not restarted) |',
    '| ----- | ---: | -----------: | --------: | ---: | ---------: | ---------------------: | -------: | ------------------------------------- |',
  ];
  for (const row of rows)
    lines.push(
      `| ${row.fault} | ${row.sent} | ${row.acknowledged} | ${row.delivered} | ${row.lost} | ${row.duplicates} | ${row.liveRepeats} | ${row.recoveryMs === undefined ? 'not within the limit' : `${(row.recoveryMs / 1000).toFixed(1)} s`} | ${row.memory} |`,
    );
  return lines.join('\n');
}

/** Whether the run passed: nothing lost, nothing stored twice, every fault recovered. */
export function passed(verdict: Verdict): boolean {
  return verdict.rows.every(
    (row) => row.lost === 0 && row.duplicates === 0 && row.recoveryMs !== undefined,
  );
}
