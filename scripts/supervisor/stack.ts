import type { ServiceSpec } from './supervisor.ts';

/**
 * The services `make run` starts, dependencies first: the media-service calls chat, the
 * message-service calls chat, user and media (`GetMediaMetadata`), the websocket-service calls auth,
 * user, chat and message (gRPC 9081, 9082, 9083, 9084; media 9086).
 * The HTTP ports are each service's default (its `src/config.ts`); they are passed explicitly so
 * the port probed for liveness is always the port the service listens on.
 */
export const LOCAL_STACK = [
  { name: 'auth-service', httpPort: 8081 },
  { name: 'user-service', httpPort: 8082 },
  { name: 'chat-service', httpPort: 8083 },
  { name: 'media-service', httpPort: 8086 },
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
