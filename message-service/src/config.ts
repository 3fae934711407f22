import { STAMPED_CACHE_TTL_MS } from '@wa/pkg/cache';
import { STORE_URL_PATTERN } from '@wa/pkg/db';
import {
  CommonEnv,
  GrpcClientEnv,
  GrpcListenEnv,
  ListenEnv,
  NatsConsumerEnv,
  NatsEnv,
  RedisEnv,
  Type,
  commonConfig,
  grpcClientConfig,
  listenConfig,
  loadEnv,
  natsConfig,
} from '@wa/pkg/config';

const CALLS = ['CHAT', 'USER', 'MEDIA'] as const;

const MessageEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8084),
  ...GrpcListenEnv(9084),
  /** Addenda K: `postgres://` (native tables) or `mongodb://` (MongoDB 7; FerretDB in tests). */
  MESSAGE_STORE_URL: Type.String({
    pattern: STORE_URL_PATTERN,
    default: 'postgres://postgres@127.0.0.1:5432/whatsapp',
  }),
  MESSAGE_STORE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /**
   * How long a lone insert (and, on PostgreSQL, a lone read mark) waits for others to share its
   * store write (0: written at once). At 500 messages/s a write alone is one commit per message; 3 ms of company cut the CPU
   * per message of the whole path by about an eighth, for about 5 ms more at p50; 5 ms cut no more
   * (docs/benchmarks.md, issue 12).
   */
  MESSAGE_STORE_BATCH_WAIT_MS: Type.Integer({ minimum: 0, maximum: 100, default: 3 }),
  ...RedisEnv,
  ...NatsEnv,
  ...NatsConsumerEnv('message-service'),
  ...GrpcClientEnv(CALLS, 1_000),
  MEMBERSHIP_CACHE_TTL_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: STAMPED_CACHE_TTL_MS,
  }),
  MEMBERSHIP_CACHE_MAX: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  /** How often stored events a stopped instance left unpublished are looked for (not the send path). */
  OUTBOX_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 600_000, default: 5_000 }),
  OUTBOX_MAX_BACKOFF_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
  OUTBOX_LINGER_MS: Type.Integer({ minimum: 0, maximum: 100, default: 10 }),
});

export function loadMessageConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(MessageEnv, env);
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    messageStore: {
      url: e.MESSAGE_STORE_URL,
      poolMax: e.MESSAGE_STORE_POOL_MAX,
      batchWaitMs: e.MESSAGE_STORE_BATCH_WAIT_MS,
    },
    redisUrl: e.REDIS_URL,
    nats: natsConfig(e),
    grpcClients: grpcClientConfig(e, CALLS),
    membershipCache: { ttlMs: e.MEMBERSHIP_CACHE_TTL_MS, maxEntries: e.MEMBERSHIP_CACHE_MAX },
    outbox: {
      sweepIntervalMs: e.OUTBOX_SWEEP_INTERVAL_MS,
      maxBackoffMs: e.OUTBOX_MAX_BACKOFF_MS,
      lingerMs: e.OUTBOX_LINGER_MS,
    },
  });
}

export type MessageConfig = ReturnType<typeof loadMessageConfig>;
