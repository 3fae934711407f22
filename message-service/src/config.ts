import { CommonEnv, HostPort, Port, Type, UrlString, loadEnv } from '@wa/pkg/config';

const MessageEnv = Type.Object({
  ...CommonEnv,
  HTTP_PORT: Port(8084),
  GRPC_PORT: Port(9084),
  MONGO_URL: UrlString('mongodb://127.0.0.1:27017/whatsapp'),
  NATS_URL: Type.String({ minLength: 1, default: 'nats://127.0.0.1:4222' }),
  /** Durable consumer of chat membership events on CHATS, shared by every instance (addenda C). */
  NATS_CONSUMER_NAME: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'message-service' }),
  /** Lets NATS delete the consumer after this long without a client (tests); 0 = never. */
  NATS_CONSUMER_INACTIVE_SECONDS: Type.Integer({ minimum: 0, default: 0 }),
  CHAT_GRPC_ADDR: HostPort('127.0.0.1:9083'),
  USER_GRPC_ADDR: HostPort('127.0.0.1:9082'),
  GRPC_CLIENT_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 30_000, default: 1_000 }),
  MEMBERSHIP_CACHE_TTL_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 30_000 }),
  MEMBERSHIP_CACHE_MAX: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  /** How often stored events a stopped instance left unpublished are looked for (not the send path). */
  OUTBOX_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 600_000, default: 5_000 }),
  OUTBOX_MAX_BACKOFF_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
});

export function loadMessageConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(MessageEnv, env);
  return Object.freeze({
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.HTTP_PORT },
    grpc: { host: e.HOST, port: e.GRPC_PORT },
    mongoUrl: e.MONGO_URL,
    nats: {
      url: e.NATS_URL,
      consumerName: e.NATS_CONSUMER_NAME,
      inactiveThresholdMs: e.NATS_CONSUMER_INACTIVE_SECONDS * 1_000 || undefined,
    },
    chatService: { address: e.CHAT_GRPC_ADDR, timeoutMs: e.GRPC_CLIENT_TIMEOUT_MS },
    userService: { address: e.USER_GRPC_ADDR, timeoutMs: e.GRPC_CLIENT_TIMEOUT_MS },
    membershipCache: { ttlMs: e.MEMBERSHIP_CACHE_TTL_MS, maxEntries: e.MEMBERSHIP_CACHE_MAX },
    outbox: { sweepIntervalMs: e.OUTBOX_SWEEP_INTERVAL_MS, maxBackoffMs: e.OUTBOX_MAX_BACKOFF_MS },
  });
}

export type MessageConfig = ReturnType<typeof loadMessageConfig>;
