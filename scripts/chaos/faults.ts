import type { ServerProcess, SpawnedService, Stack, TestPostgresServer } from '@wa/pkg/testing';

/*
 * The faults, one at a time: kill -9 a process (PostgreSQL: an immediate stop, SIGQUIT, as
 * `pg_ctl stop -m immediate` does), keep it down a moment, start it again on the same port with
 * the same data. A service comes back when its /health answers, a server when it prints its
 * ready line.
 */

export interface Fault {
  name: string;
  /** The process(es) it kills, for the memory figures (restarted ones are new processes). */
  restarted: string;
  inject(): Promise<void>;
  recover(): Promise<void>;
}

/** The private servers of a chaos run (the ones it may crash). */
export interface ChaosServers {
  nats?: ServerProcess;
  redis?: ServerProcess;
  postgres?: TestPostgresServer;
  ferretdb?: ServerProcess;
  /** The S3 server the media-service stores files in. */
  s3?: ServerProcess;
}

export type FaultName =
  | 'message-service'
  | 'media-service'
  | 'websocket-service'
  | 'chat-service'
  | 'user-service'
  | 'auth-service'
  | 'api-gateway'
  | 'nats'
  | 'redis'
  | 'postgresql'
  | 'ferretdb'
  | 's3';

/** Every fault, in the order `make chaos` runs them. */
export const ALL_FAULTS: FaultName[] = [
  'message-service',
  'websocket-service',
  'chat-service',
  'user-service',
  'auth-service',
  'api-gateway',
  'nats',
  'redis',
  'postgresql',
  'ferretdb',
  'media-service',
  's3',
];

const serviceFault = (name: string, service: SpawnedService): Fault => ({
  name: `kill -9 ${name}`,
  restarted: service.name,
  inject: () => service.kill(),
  recover: () => service.restart(),
});

const serverFault = (name: string, server: ServerProcess, crash?: () => Promise<void>): Fault => ({
  name: crash ? `${name} immediate stop` : `kill -9 ${name}`,
  restarted: name,
  inject: crash ?? (() => server.kill('SIGKILL')),
  recover: () => server.start(),
});

/** The fault `name` on this stack and these servers, or why it cannot be run here. */
export function faultFor(name: FaultName, stack: Stack, servers: ChaosServers): Fault | string {
  const service = (wanted: string) => stack.services.find((s) => s.name === wanted);
  switch (name) {
    case 'message-service':
    case 'media-service':
    case 'chat-service':
    case 'user-service':
    case 'auth-service': {
      const found = service(name);
      return found ? serviceFault(name, found) : `${name} is not running in this stack`;
    }
    case 'websocket-service':
      return serviceFault('websocket-service (1 of 2)', stack.websockets[0].service);
    case 'api-gateway': {
      const found = service('api-gateway');
      return found ? serviceFault('api-gateway (1 of 2)', found) : 'no gateway';
    }
    case 'nats':
      return servers.nats ? serverFault('nats-server', servers.nats) : 'NATS is shared here';
    case 'redis':
      return servers.redis ? serverFault('redis-server', servers.redis) : 'Redis is shared here';
    case 'postgresql':
      return servers.postgres
        ? serverFault('postgresql', servers.postgres, () => servers.postgres!.crash())
        : 'PostgreSQL is shared here';
    case 'ferretdb':
      return servers.ferretdb
        ? serverFault('ferretdb', servers.ferretdb)
        : 'FerretDB is shared here';
    case 's3':
      return servers.s3 ? serverFault('versitygw', servers.s3) : 'no S3 server of its own here';
  }
}
