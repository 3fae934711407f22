import { CommonEnv, HostPort, Port, Type, UrlString, loadEnv } from '@wa/pkg/config';

const ChatEnv = Type.Object({
  ...CommonEnv,
  HTTP_PORT: Port(8083),
  GRPC_PORT: Port(9083),
  DATABASE_URL: UrlString('postgres://postgres@127.0.0.1:5432/whatsapp'),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  NATS_URL: Type.String({ minLength: 1, default: 'nats://127.0.0.1:4222' }),
  /** Durable consumer of message events on MESSAGES, shared by every instance (addenda C). */
  NATS_CONSUMER_NAME: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'chat-service' }),
  /** Tests set it so the server deletes their consumers; 0 = keep the durable while it is idle. */
  NATS_CONSUMER_INACTIVE_SECONDS: Type.Integer({ minimum: 0, default: 0 }),
  /** Table the event outbox lives in; several stacks sharing one database (tests) need their own. */
  OUTBOX_TABLE: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'chat_outbox' }),
  /** How often read rows of chat_message_log are deleted; 0 = never. */
  LOG_PRUNE_INTERVAL_MS: Type.Integer({ minimum: 0, default: 600_000 }),
  USER_GRPC_ADDR: HostPort('127.0.0.1:9082'),
  USER_GRPC_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 30_000, default: 1_000 }),
});

export function loadChatConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(ChatEnv, env);
  return Object.freeze({
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.HTTP_PORT },
    grpc: { host: e.HOST, port: e.GRPC_PORT },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_MAX },
    nats: {
      url: e.NATS_URL,
      consumerName: e.NATS_CONSUMER_NAME,
      inactiveThresholdMs: e.NATS_CONSUMER_INACTIVE_SECONDS * 1_000 || undefined,
    },
    outboxTable: e.OUTBOX_TABLE,
    logPruneIntervalMs: e.LOG_PRUNE_INTERVAL_MS,
    userService: { address: e.USER_GRPC_ADDR, timeoutMs: e.USER_GRPC_TIMEOUT_MS },
  });
}

export type ChatConfig = ReturnType<typeof loadChatConfig>;
