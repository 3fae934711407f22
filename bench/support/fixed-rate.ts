import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { summarise, type LatencySummary } from './report.ts';

export interface BenchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface FixedRateOptions {
  /** `http://host:port` */
  origin: string;
  /** Requests per second, sent evenly spaced whether or not earlier ones have answered. */
  rate: number;
  durationSeconds: number;
  /** The i-th request; called once per request, so it can rotate ids or tokens. */
  request: (index: number) => BenchRequest;
  timeoutMs?: number;
  maxSockets?: number;
  /** Called for each answer: when it was due (ms from the start), its latency and status. */
  onResponse?: (dueAtMs: number, latencyMs: number, status: number) => void;
}

export interface FixedRateResult extends LatencySummary {
  kind: 'fixed-rate';
  targetRate: number;
  durationSeconds: number;
  sent: number;
  completed: number;
  /** Answers per second over the run. */
  rps: number;
  statuses: Record<string, number>;
  errors: number;
}

/**
 * Open-loop load: request i is due at start + i/rate and its latency counts from that moment, so
 * a slow answer cannot hold back the next requests and hide queueing (no coordinated omission).
 * autocannon's own rate option sends each connection's quota in a burst every second, which is
 * why this harness paces requests itself and keeps autocannon for closed-loop throughput runs.
 */
export async function runFixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const { origin, rate, durationSeconds, timeoutMs = 10_000 } = options;
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const total = Math.round(rate * durationSeconds);
  const intervalMs = 1_000 / rate;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  let settled = 0;

  const start = performance.now();
  const done = new Promise<void>((resolve) => {
    const settle = () => {
      settled += 1;
      if (settled === total) resolve();
    };
    const fire = (index: number, dueAt: number) => {
      const spec = options.request(index);
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: spec.method,
          path: spec.path,
          headers: {
            ...spec.headers,
            ...(spec.body ? { 'content-length': String(spec.body.length) } : {}),
          },
          timeout: timeoutMs,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            const latency = performance.now() - dueAt;
            latencies.push(latency);
            options.onResponse?.(dueAt - start, latency, response.statusCode ?? 0);
            const status = String(response.statusCode);
            statuses[status] = (statuses[status] ?? 0) + 1;
            settle();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        errors += 1;
        settle();
      });
      request.end(spec.body);
    };

    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        fire(sent, start + sent * intervalMs);
        sent += 1;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });

  const started = performance.now();
  await done;
  const elapsedSeconds = (performance.now() - started) / 1_000;
  agent.destroy();
  return {
    kind: 'fixed-rate',
    targetRate: rate,
    durationSeconds,
    sent,
    completed: latencies.length,
    rps: latencies.length / elapsedSeconds,
    statuses,
    errors,
    ...summarise(latencies),
  };
}
