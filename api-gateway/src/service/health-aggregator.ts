import type { ServiceName } from '../model/routes.ts';

export type ServiceState = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'degraded';
  services: Record<ServiceName, ServiceState>;
}

export interface HealthAggregatorDeps {
  /** Service name → origin; each is asked for `GET /health`. */
  services: Readonly<Record<ServiceName, string>>;
  timeoutMs: number;
}

async function probe(origin: string, timeoutMs: number): Promise<ServiceState> {
  try {
    const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok ? 'up' : 'down';
  } catch {
    return 'down';
  }
}

/** Addenda H: the gateway's `/health` reports every downstream service, probed in parallel. */
export function createHealthAggregator({ services, timeoutMs }: HealthAggregatorDeps) {
  const names = Object.keys(services) as ServiceName[];
  return {
    async check(): Promise<HealthReport> {
      const states = await Promise.all(names.map((name) => probe(services[name], timeoutMs)));
      const report = Object.fromEntries(
        names.map((name, index) => [name, states[index]]),
      ) as Record<ServiceName, ServiceState>;
      return {
        status: states.every((state) => state === 'up') ? 'ok' : 'degraded',
        services: report,
      };
    },
  };
}
