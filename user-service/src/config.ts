import { CommonEnv, Port, Type, UrlString, loadEnv } from '@wa/pkg/config';

const UserEnv = Type.Object({
  ...CommonEnv,
  HTTP_PORT: Port(8082),
  GRPC_PORT: Port(9082),
  DATABASE_URL: UrlString('postgres://postgres@127.0.0.1:5432/whatsapp'),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  REDIS_URL: UrlString('redis://127.0.0.1:6379'),
  PRESENCE_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 3_600, default: 60 }),
  NATS_URL: Type.String({ minLength: 1, default: 'nats://127.0.0.1:4222' }),
  /** The user-service's own outbox table; several stacks sharing one database (tests) need their own. */
  OUTBOX_TABLE: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'user_outbox' }),
});

export function loadUserConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(UserEnv, env);
  return Object.freeze({
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.HTTP_PORT },
    grpc: { host: e.HOST, port: e.GRPC_PORT },
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL,
    presenceTtlSeconds: e.PRESENCE_TTL_SECONDS,
    natsUrl: e.NATS_URL,
    outboxTable: e.OUTBOX_TABLE,
  });
}

export type UserConfig = ReturnType<typeof loadUserConfig>;
