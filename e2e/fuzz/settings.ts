import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

/**
 * The fuzz pass's knobs (README, docs/reliability.md):
 * - FUZZ_RUNS   inputs per REST route and per WebSocket frame type (default 25: make test stays fast);
 * - FUZZ_SEED   the base seed; each route's property runs with the seed plus a hash of its name,
 *               so one route's inputs do not depend on the others; a random one is printed on failure;
 * - FUZZ_REPORT a directory: each file writes its per-route or per-frame counts there (JSON and markdown).
 */
export const fuzzSettings = {
  runs: Number(process.env.FUZZ_RUNS ?? 25),
  seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31 - 1),
  reportDir: process.env.FUZZ_REPORT,
};

const hash = (text: string) => {
  let h = 0;
  for (const char of text) h = (Math.imul(h, 31) + char.charCodeAt(0)) | 0;
  return h >>> 0;
};

/** Runs `property` for `name` with the pass's runs and seed; a failure names the seed to replay. */
export async function checkAll<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (input: T) => Promise<void>,
  runs = fuzzSettings.runs,
): Promise<void> {
  const seed = (fuzzSettings.seed + hash(name)) % 2 ** 31;
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), {
      numRuns: runs,
      seed,
      endOnFailure: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${name}: replay with FUZZ_SEED=${fuzzSettings.seed}\n${message}`, {
      cause: error,
    });
  }
}

/** Counts of inputs and answers per route or frame type. */
export class FuzzReport {
  readonly rows = new Map<string, Map<string, number>>();

  count(target: string, outcome: string): void {
    const row = this.rows.get(target) ?? new Map<string, number>();
    row.set(outcome, (row.get(outcome) ?? 0) + 1);
    row.set('inputs', (row.get('inputs') ?? 0) + 1);
    this.rows.set(target, row);
  }

  /** Writes `<dir>/<name>.json` and `<dir>/<name>.md` when FUZZ_REPORT names a directory. */
  write(name: string, heading: string): void {
    if (!fuzzSettings.reportDir) return;
    mkdirSync(fuzzSettings.reportDir, { recursive: true });
    const data = Object.fromEntries(
      [...this.rows].map(([target, row]) => [target, Object.fromEntries(row)]),
    );
    const json = { seed: fuzzSettings.seed, runs: fuzzSettings.runs, targets: data };
    writeFileSync(
      join(fuzzSettings.reportDir, `${name}.json`),
      `${JSON.stringify(json, null, 2)}\n`,
    );
    const outcomes = [...new Set([...this.rows.values()].flatMap((row) => [...row.keys()]))]
      .filter((key) => key !== 'inputs')
      .sort();
    const lines = [
      `| ${heading} | inputs | ${outcomes.join(' | ')} |`,
      `| --- | ---: | ${outcomes.map(() => '---:').join(' | ')} |`,
      ...[...this.rows].map(
        ([target, row]) =>
          `| \`${target}\` | ${row.get('inputs')} | ${outcomes.map((key) => row.get(key) ?? 0).join(' | ')} |`,
      ),
    ];
    writeFileSync(join(fuzzSettings.reportDir, `${name}.md`), `${lines.join('\n')}\n`);
  }
}
