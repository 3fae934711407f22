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

/**
 * prom-client samples the event loop's delay every 10 ms by default: 100 wake-ups a second in
 * every process, about 4 ms of CPU a second each while the service has nothing to do. Every
 * 100 ms still catches any block long enough to matter; the watchdog samples its own.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** A registry of its own per service (tests build many apps in one process), with Node's defaults. */
export function createServiceProbes(
  service: string,
  liveness: Partial<LivenessBounds> = {},
): ServiceProbes {
  const metrics = new client.Registry();
  metrics.setDefaultLabels({ service });
  client.collectDefaultMetrics({
    register: metrics,
    eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
  });
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
