import type { GrpcRouter } from '../grpc/index.ts';
import type { ServiceProbes } from '../health/index.ts';
import type { AppInstance } from '../http/index.ts';

/** Background work a service runs beside its servers: consumers, relays, sweeps. */
export interface Worker {
  name: string;
  start(): unknown;
  /** Finishes what it holds and stops; called in reverse start order on shutdown. */
  stop(): unknown;
}

/**
 * What every `buildXApp(deps)` returns: the one shape the runner knows. `services` exposes the
 * rules layer to tests (seeding, inspection); the runner never touches it.
 */
export interface ServiceApp<S extends object = object> {
  http: AppInstance;
  /** gRPC routes, for services that serve gRPC. */
  grpc?: (router: GrpcRouter) => void;
  /** Started in order before the servers listen, stopped in reverse after they stop accepting. */
  workers: Worker[];
  services: S;
  /** The probes `http` was built with; the runner reports gRPC calls into their watchdog. */
  probes?: ServiceProbes;
}

/** A connection the service opened (PostgreSQL, Redis, NATS, MongoDB), closed last. */
export interface ServiceClient {
  name: string;
  close(): unknown;
}

export interface ListenAddress {
  host: string;
  httpPort: number;
  /** Required when the app has gRPC routes. */
  grpcPort?: number;
}
