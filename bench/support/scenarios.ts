import { measureCpu, type ProcessGroups } from './cpu.ts';
import { runFixedRate, type BenchRequest } from './fixed-rate.ts';
import type { Scenario } from './report.ts';
import { runSaturation } from './saturate.ts';

export interface ScenarioRunnerSettings {
  origin: string;
  groups: ProcessGroups;
  warmupSeconds: number;
  durationSeconds: number;
  /** Awaited before each scenario (e.g. waiting for a quiet machine). */
  before?: (name: string) => Promise<void>;
}

/**
 * The two load shapes every HTTP benchmark runs, each with its CPU split recorded: `fixed` (open
 * loop at a rate, after a warm-up at the same rate) and `closed` (N connections back to back, at
 * most 10 s). Results collect in `results` for the report.
 */
export function createScenarioRunner(settings: ScenarioRunnerSettings) {
  const { origin, groups, warmupSeconds, durationSeconds } = settings;
  const results: Scenario[] = [];
  const record = (name: string, scenario: Scenario) => {
    results.push(scenario);
    console.log(`${name}: ${JSON.stringify(scenario.result)}`);
  };
  return {
    results,
    fixed: async (
      name: string,
      rate: number,
      request: (i: number) => BenchRequest,
    ): Promise<void> => {
      await settings.before?.(name);
      await runFixedRate({ origin, rate, durationSeconds: warmupSeconds, request });
      const cpu = measureCpu(groups);
      const result = await runFixedRate({ origin, rate, durationSeconds, request });
      record(name, { name, result, cpu: cpu() });
    },
    closed: async (
      name: string,
      connections: number,
      request: (i: number) => BenchRequest,
    ): Promise<void> => {
      await settings.before?.(name);
      let index = 0;
      const cpu = measureCpu(groups);
      const result = await runSaturation({
        origin,
        connections,
        durationSeconds: Math.min(durationSeconds, 10),
        requests: [{ setupRequest: () => ({ ...request(index++) }) }],
      });
      record(name, { name, result, cpu: cpu() });
    },
  };
}
