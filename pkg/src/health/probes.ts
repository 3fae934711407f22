import client from 'prom-client';
import { createProgressWatchdog, type LivenessBounds, type ProgressWatchdog } from './watchdog.ts';

/**
 * What a service reports about itself, shared by its servers, consumers and stores: the progress
 * watchdog `/health` asks, and the Prometheus registry `/metrics` serves. One per service.
 */
export interface ServiceProbes {
  watchdog: ProgressWatchdog;
  metrics: client.Registry;
}

/** A registry of its own per service (tests build many apps in one process), with Node's defaults. */
export function createServiceProbes(
  service: string,
  liveness: Partial<LivenessBounds> = {},
): ServiceProbes {
  const metrics = new client.Registry();
  metrics.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: metrics });
  return { watchdog: createProgressWatchdog(liveness), metrics };
}

/** The counter `name` of `registry`, created on first use (several units may count into one). */
export function counterOf<L extends string>(
  registry: client.Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): client.Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as client.Counter<L>;
  return new client.Counter({ name, help, labelNames, registers: [registry] });
}

/** The histogram `name` of `registry`, created on first use (buckets in seconds). */
export function histogramOf<L extends string>(
  registry: client.Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): client.Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as client.Histogram<L>;
  return new client.Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
