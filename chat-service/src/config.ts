import {
  CommonEnv,
  GrpcClientEnv,
  GrpcListenEnv,
  ListenEnv,
  NatsConsumerEnv,
  NatsEnv,
  PostgresEnv,
  Type,
  commonConfig,
  grpcClientConfig,
  listenConfig,
  loadEnv,
  natsConfig,
  postgresConfig,
} from '@wa/pkg/config';

const CALLS = ['USER'] as const;

const ChatEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8083),
  ...GrpcListenEnv(9083),
  ...PostgresEnv,
  ...NatsEnv,
  ...NatsConsumerEnv('chat-service'),
  ...GrpcClientEnv(CALLS, 1_000),
  /** Tests set it so the server deletes their consumers; 0 = keep the durable while it is idle. */
  NATS_CONSUMER_INACTIVE_SECONDS: Type.Integer({ minimum: 0, default: 0 }),
  /** Table the event outbox lives in; several stacks sharing one database (tests) need their own. */
  OUTBOX_TABLE: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'chat_outbox' }),
  /** How often read rows of chat_message_log are deleted; 0 = never. */
  LOG_PRUNE_INTERVAL_MS: Type.Integer({ minimum: 0, default: 600_000 }),
});

export function loadChatConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(ChatEnv, env);
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    postgres: postgresConfig(e),
    nats: {
      ...natsConfig(e),
      inactiveThresholdMs: e.NATS_CONSUMER_INACTIVE_SECONDS * 1_000 || undefined,
    },
    grpcClients: grpcClientConfig(e, CALLS),
    outboxTable: e.OUTBOX_TABLE,
    logPruneIntervalMs: e.LOG_PRUNE_INTERVAL_MS,
  });
}

export type ChatConfig = ReturnType<typeof loadChatConfig>;
