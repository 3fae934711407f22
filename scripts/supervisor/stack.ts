import type { ServiceSpec } from './supervisor.ts';

/**
 * The services `make run` starts, dependencies first: the media-service calls chat, the
 * message-service calls chat, user and media (`GetMediaMetadata`), the notification-service calls
 * user and chat, the websocket-service calls auth, user, chat and message (gRPC 9081, 9082, 9083,
 * 9084; media 9086; the notification-service serves no gRPC).
 * The HTTP ports are each service's default (its `src/config.ts`); they are passed explicitly so
 * the port probed for liveness is always the port the service listens on.
 */
export const LOCAL_STACK = [
  { name: 'auth-service', httpPort: 8081 },
  { name: 'user-service', httpPort: 8082 },
  { name: 'chat-service', httpPort: 8083 },
  { name: 'media-service', httpPort: 8086 },
  { name: 'message-service', httpPort: 8084 },
  { name: 'notification-service', httpPort: 8085 },
  { name: 'websocket-service', httpPort: 8087 },
  { name: 'api-gateway', httpPort: 8080 },
] as const;

export const GATEWAY_PORT = LOCAL_STACK.find(({ name }) => name === 'api-gateway')!.httpPort;

/** The local FCM (addenda J): pushes land here, `GET /emulator/messages?token=` lists them. */
export const FCM_EMULATOR_PORT = 8095;

/** Jaeger's UI and query API (OTLP on 4317/4318). */
export const JAEGER_UI_PORT = 16686;

/**
 * `node [--watch] <name>/src/main.ts` for each service, run from the repository root, and the
 * FCM emulator the notification-service pushes to.
 */
export function localStackServices({ watch }: { watch: boolean }): ServiceSpec[] {
  const services = LOCAL_STACK.map(({ name, httpPort }) => ({
    name,
    command: process.execPath,
    args: [...(watch ? ['--watch'] : []), `${name}/src/main.ts`],
    env: { HTTP_PORT: String(httpPort) },
    healthUrl: `http://127.0.0.1:${httpPort}/health`,
  }));
  const emulator = {
    name: 'fcm-emulator',
    command: process.execPath,
    args: ['pkg/src/fcm-emulator/main.ts'],
    env: { FCM_EMULATOR_PORT: String(FCM_EMULATOR_PORT) },
    healthUrl: `http://127.0.0.1:${FCM_EMULATOR_PORT}/emulator/messages?token=health`,
  };
  // Jaeger (scripts/infra/jaeger.sh, path in JAEGER_BIN): in memory, UI and API on :16686.
  const jaegerBin = process.env.JAEGER_BIN;
  const jaeger = jaegerBin
    ? [
        {
          name: 'jaeger',
          command: jaegerBin,
          args: [],
          env: {},
          healthUrl: `http://127.0.0.1:${JAEGER_UI_PORT}/api/services`,
        },
      ]
    : [];
  return [...jaeger, emulator, ...services];
}
