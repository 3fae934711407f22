import autocannon, { type AutocannonRequest } from 'autocannon';

export interface SaturateOptions {
  origin: string;
  connections: number;
  durationSeconds: number;
  /** Cycled through in order; `setupRequest` may rotate ids or tokens. */
  requests: AutocannonRequest[];
}

export interface SaturateResult {
  kind: 'closed-loop';
  connections: number;
  durationSeconds: number;
  /** Mean answers per second: the throughput the stack sustains with this many connections. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

/** Closed loop: `connections` clients each send the next request as soon as the last answers. */
export async function runSaturation(options: SaturateOptions): Promise<SaturateResult> {
  const result = await autocannon({
    url: options.origin,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    requests: options.requests,
  });
  return {
    kind: 'closed-loop',
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
