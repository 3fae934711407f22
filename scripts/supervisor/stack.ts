import type { ServiceSpec } from './supervisor.ts';

/**
 * The services `make run` starts, dependencies first: the message-service calls chat and user, the
 * websocket-service calls all four gRPC servers (auth 9081, user 9082, chat 9083, message 9084).
 * The HTTP ports are each service's default (its `src/config.ts`); they are passed explicitly so
 * the port probed for liveness is always the port the service listens on.
 */
export const LOCAL_STACK = [
  { name: 'auth-service', httpPort: 8081 },
  { name: 'user-service', httpPort: 8082 },
  { name: 'chat-service', httpPort: 8083 },
  { name: 'message-service', httpPort: 8084 },
  { name: 'websocket-service', httpPort: 8087 },
  { name: 'api-gateway', httpPort: 8080 },
] as const;

export const GATEWAY_PORT = LOCAL_STACK.find(({ name }) => name === 'api-gateway')!.httpPort;

/** `node [--watch] <name>/src/main.ts` for each service, run from the repository root. */
export function localStackServices({ watch }: { watch: boolean }): ServiceSpec[] {
  return LOCAL_STACK.map(({ name, httpPort }) => ({
    name,
    command: process.execPath,
    args: [...(watch ? ['--watch'] : []), `${name}/src/main.ts`],
    env: { HTTP_PORT: String(httpPort) },
    healthUrl: `http://127.0.0.1:${httpPort}/health`,
  }));
}
