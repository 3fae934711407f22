import {
  CommonEnv,
  GrpcListenEnv,
  ListenEnv,
  NatsEnv,
  PostgresEnv,
  RedisEnv,
  Type,
  commonConfig,
  listenConfig,
  loadEnv,
  natsConfig,
  postgresConfig,
} from '@wa/pkg/config';

const UserEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8082),
  ...GrpcListenEnv(9082),
  ...PostgresEnv,
  ...RedisEnv,
  ...NatsEnv,
  PRESENCE_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 3_600, default: 60 }),
});

export function loadUserConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(UserEnv, env);
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    postgres: postgresConfig(e),
    redisUrl: e.REDIS_URL,
    nats: natsConfig(e),
    presenceTtlSeconds: e.PRESENCE_TTL_SECONDS,
  });
}

export type UserConfig = ReturnType<typeof loadUserConfig>;
