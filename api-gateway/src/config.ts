import {
  CommonEnv,
  ConfigError,
  GrpcClientEnv,
  ListenEnv,
  RedisEnv,
  Type,
  commonConfig,
  grpcClientConfig,
  listenConfig,
  loadEnv,
} from '@wa/pkg/config';
import { resolve } from 'node:path';
import type { ServiceName } from './model/routes.ts';

/** An upstream is addressed by origin only: the gateway forwards paths unchanged. */
const ServiceUrl = (defaultValue: string) =>
  Type.String({ pattern: '^https?://[^\\s/?#]+/?$', default: defaultValue });

const CALLS = ['AUTH'] as const;

/** `console/dist` of this repository (scripts/console-build.sh writes it). */
const DEFAULT_CONSOLE_DIR = resolve(import.meta.dirname, '../../console/dist');

const GatewayEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8080),
  TRUST_PROXY: Type.Boolean({ default: false }),
  ...RedisEnv,
  ...GrpcClientEnv(CALLS, 3_000),
  AUTH_SERVICE_URL: ServiceUrl('http://127.0.0.1:8081'),
  USER_SERVICE_URL: ServiceUrl('http://127.0.0.1:8082'),
  CHAT_SERVICE_URL: ServiceUrl('http://127.0.0.1:8083'),
  MESSAGE_SERVICE_URL: ServiceUrl('http://127.0.0.1:8084'),
  NOTIFICATION_SERVICE_URL: ServiceUrl('http://127.0.0.1:8085'),
  MEDIA_SERVICE_URL: ServiceUrl('http://127.0.0.1:8086'),
  WEBSOCKET_SERVICE_URL: ServiceUrl('http://127.0.0.1:8087'),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 300_000, default: 15_000 }),
  UPSTREAM_BREAKER_RESET_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 5_000 }),
  HEALTH_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 10_000, default: 1_000 }),
  RATE_LIMIT_USER_PER_MINUTE: Type.Integer({ minimum: 1, default: 100 }),
  RATE_LIMIT_IP_PER_MINUTE: Type.Integer({ minimum: 1, default: 300 }),
  TOKEN_CACHE_MAX: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000 }),
  CORS_ORIGINS: Type.String({ default: '*' }),
  /** Every API route but media uploads; the services keep the same 1 MiB limit behind it. */
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1_024,
    maximum: 64 * 1024 * 1024,
    default: 1024 * 1024,
  }),
  /** Multipart bodies to `/api/v1/media/*`: a 100 MB file plus its framing (addenda I). */
  UPLOAD_BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1_024,
    maximum: 1024 * 1024 * 1024,
    default: 101 * 1024 * 1024,
  }),
  /** Same default as the websocket-service's, so a frame it answers with 4013 is not cut here. */
  WS_MAX_PAYLOAD_BYTES: Type.Integer({
    minimum: 1_024,
    maximum: 16 * 1024 * 1024,
    default: 1024 * 1024 + 64 * 1024,
  }),
  /** The web console's build (addenda M); `/console/` answers 503 while it holds no index.html. */
  CONSOLE_DIR: Type.String({ minLength: 1, default: DEFAULT_CONSOLE_DIR }),
});

const ORIGIN = /^https?:\/\/[^\s/?#]+$/;

/** `*` (any origin) or a comma-separated list of exact origins; undefined when malformed. */
function parseCorsOrigins(value: string): '*' | string[] | undefined {
  if (value.trim() === '*') return '*';
  const origins = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (origins.length === 0 || !origins.every((entry) => ORIGIN.test(entry))) return undefined;
  return origins;
}

/** Schema problems and CORS_ORIGINS problems are reported together in one start-up error. */
function validate(env: Record<string, string | undefined>) {
  const problems: string[] = [];
  let values: ReturnType<typeof loadEnv<typeof GatewayEnv>> | undefined;
  try {
    values = loadEnv(GatewayEnv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const corsOrigins = parseCorsOrigins(env.CORS_ORIGINS || '*');
  if (!corsOrigins) {
    problems.push(
      'CORS_ORIGINS: must be "*" or a comma-separated list of origins such as https://app.example.com',
    );
  }
  if (!values || !corsOrigins) throw new ConfigError(problems);
  return { e: values, corsOrigins };
}

const origin = (url: string) => url.replace(/\/$/, '');

export function loadGatewayConfig(env: Record<string, string | undefined>) {
  const { e, corsOrigins } = validate(env);
  const services: Record<ServiceName, string> = {
    'auth-service': origin(e.AUTH_SERVICE_URL),
    'user-service': origin(e.USER_SERVICE_URL),
    'chat-service': origin(e.CHAT_SERVICE_URL),
    'message-service': origin(e.MESSAGE_SERVICE_URL),
    'notification-service': origin(e.NOTIFICATION_SERVICE_URL),
    'media-service': origin(e.MEDIA_SERVICE_URL),
    'websocket-service': origin(e.WEBSOCKET_SERVICE_URL),
  };
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    trustProxy: e.TRUST_PROXY,
    redisUrl: e.REDIS_URL,
    grpcClients: grpcClientConfig(e, CALLS),
    services: Object.freeze(services),
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    breakerResetMs: e.UPSTREAM_BREAKER_RESET_MS,
    healthTimeoutMs: e.HEALTH_TIMEOUT_MS,
    rateLimit: {
      ipPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
      userPerMinute: e.RATE_LIMIT_USER_PER_MINUTE,
    },
    tokenCache: { maxEntries: e.TOKEN_CACHE_MAX, ttlMs: 60_000 },
    cors: { origins: corsOrigins },
    bodyLimits: { json: e.BODY_LIMIT_BYTES, upload: e.UPLOAD_BODY_LIMIT_BYTES },
    websocket: { maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES },
    console: { dir: resolve(e.CONSOLE_DIR) },
  });
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
