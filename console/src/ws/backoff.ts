/** PRD §7.5: 1 s, 2 s, 4 s, 8 s, 16 s, then 30 s at most; attempt 0 is the first retry. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, attempt));
}
