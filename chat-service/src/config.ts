import {
  CommonEnv,
  GrpcClientEnv,
  GrpcListenEnv,
  ListenEnv,
  NatsConsumerEnv,
  NatsEnv,
  PostgresEnv,
  RedisEnv,
  Type,
  commonConfig,
  grpcClientConfig,
  listenConfig,
  loadEnv,
  natsConfig,
  postgresConfig,
} from '@wa/pkg/config';

const CALLS = ['USER'] as const;

export const DEFAULT_ACTIVITY_BATCH_WAIT_MS = 50;

const ChatEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8083),
  ...GrpcListenEnv(9083),
  ...PostgresEnv,
  ...RedisEnv,
  ...NatsEnv,
  ...NatsConsumerEnv('chat-service'),
  ...GrpcClientEnv(CALLS, 1_000),
  /** How often read rows of chat_message_log are deleted; 0 = never. */
  LOG_PRUNE_INTERVAL_MS: Type.Integer({ minimum: 0, default: 600_000 }),
  /**
   * How long a msg.new waits for others to share its chat list statement (0: written at once).
   * The statement's fixed cost is most of a small batch's (docs/benchmarks.md, issue 12).
   */
  ACTIVITY_BATCH_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 1_000,
    default: DEFAULT_ACTIVITY_BATCH_WAIT_MS,
  }),
});

export function loadChatConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(ChatEnv, env);
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    postgres: postgresConfig(e),
    redisUrl: e.REDIS_URL,
    nats: natsConfig(e),
    grpcClients: grpcClientConfig(e, CALLS),
    logPruneIntervalMs: e.LOG_PRUNE_INTERVAL_MS,
    activityBatchWaitMs: e.ACTIVITY_BATCH_WAIT_MS,
  });
}

export type ChatConfig = ReturnType<typeof loadChatConfig>;
