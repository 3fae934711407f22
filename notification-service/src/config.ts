import {
  CommonEnv,
  GrpcClientEnv,
  ListenEnv,
  NatsConsumerEnv,
  NatsEnv,
  PostgresEnv,
  RedisEnv,
  Type,
  UrlString,
  commonConfig,
  grpcClientConfig,
  listenConfig,
  loadEnv,
  natsConfig,
  postgresConfig,
} from '@wa/pkg/config';

const CALLS = ['USER', 'CHAT'] as const;

const NotificationEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8085),
  ...PostgresEnv,
  ...RedisEnv,
  ...NatsEnv,
  ...NatsConsumerEnv('notification-service'),
  ...GrpcClientEnv(CALLS, 1_000),
  /** The Firebase service-account JSON (its `project_id`, key and `token_uri`); required. */
  FCM_CREDENTIALS_PATH: Type.String({ minLength: 1 }),
  /** FCM HTTP v1's origin; the local emulator's in `make run` and the tests. */
  FCM_BASE_URL: UrlString('https://fcm.googleapis.com'),
  /** Attempts of one push on 429 and 5xx before it is dead-lettered (addenda J). */
  PUSH_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  /** How long a group chat's pushes to one recipient are gathered into one (addenda J). */
  PUSH_GROUP_WINDOW_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 3_000 }),
  /** FCM requests in flight at once from this instance. */
  PUSH_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1_000, default: 64 }),
  /** The first retry's delay; each next one doubles (half of it random) unless FCM says Retry-After. */
  PUSH_RETRY_BASE_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 500 }),
});

export function loadNotificationConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(NotificationEnv, env);
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    postgres: postgresConfig(e),
    redisUrl: e.REDIS_URL,
    nats: natsConfig(e),
    grpcClients: grpcClientConfig(e, CALLS),
    fcm: {
      credentialsPath: e.FCM_CREDENTIALS_PATH,
      baseUrl: e.FCM_BASE_URL,
    },
    push: {
      maxAttempts: e.PUSH_MAX_ATTEMPTS,
      groupWindowMs: e.PUSH_GROUP_WINDOW_MS,
      concurrency: e.PUSH_CONCURRENCY,
      retryBaseMs: e.PUSH_RETRY_BASE_MS,
    },
  });
}

export type NotificationConfig = ReturnType<typeof loadNotificationConfig>;
