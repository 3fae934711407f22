import * as grpc from '@grpc/grpc-js';
import type client from 'prom-client';
import { counterOf, histogramOf } from '../health/probes.ts';

/** What a side of a call reports: which method, which status, how long. */
export type RecordCall = (service: string, method: string, code: number, seconds: number) => void;

const LABELS = ['grpc_service', 'grpc_method'] as const;
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** gRPC's status name (`OK`, `NOT_FOUND`, …) of a numeric code. */
const statusName = (code: number): string => grpc.status[code] ?? String(code);

/**
 * RED of unary calls on one side (addenda L), as `grpc_<side>_handled_total{grpc_service,
 * grpc_method, grpc_code}` and `grpc_<side>_handling_seconds{grpc_service, grpc_method}`: the
 * names of the usual gRPC Prometheus middleware, so stock dashboards read them.
 */
export function recordCallsInto(registry: client.Registry, side: 'server' | 'client'): RecordCall {
  const handled = counterOf(
    registry,
    `grpc_${side}_handled_total`,
    `gRPC calls ${side === 'server' ? 'served' : 'made'} by method and status`,
    [...LABELS, 'grpc_code'],
  );
  const seconds = histogramOf(
    registry,
    `grpc_${side}_handling_seconds`,
    `gRPC call duration (${side} side) by method`,
    LABELS,
    BUCKETS,
  );
  return (service, method, code, elapsed) => {
    handled.inc({ grpc_service: service, grpc_method: method, grpc_code: statusName(code) });
    seconds.observe({ grpc_service: service, grpc_method: method }, elapsed);
  };
}

/** Seconds since a `process.hrtime.bigint()` reading. */
export const secondsSince = (start: bigint): number =>
  Number(process.hrtime.bigint() - start) / 1e9;
