import { hostname } from 'node:os';
import {
  CommonEnv,
  GrpcClientEnv,
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

const CALLS = ['AUTH', 'USER', 'CHAT', 'MESSAGE'] as const;

const WebSocketEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8087),
  ...RedisEnv,
  ...NatsEnv,
  ...NatsConsumerEnv('websocket-service'),
  ...GrpcClientEnv(CALLS, 3_000),
  /** Unique per process; the user-service keys presence by it. */
  INSTANCE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
  /** Largest frame `ws` accepts; a bigger one closes the socket with 1009. */
  WS_MAX_PAYLOAD_BYTES: Type.Integer({ minimum: 1_024, default: 1024 * 1024 + 64 * 1024 }),
  /** Largest frame that is parsed; a bigger one (up to the payload limit) gets a 4013 error frame. */
  WS_MAX_FRAME_BYTES: Type.Integer({ minimum: 1_024, default: 256 * 1024 }),
  /** Bytes queued for one socket beyond which it is closed with 1013 (slow reader). */
  WS_MAX_BUFFERED_BYTES: Type.Integer({ minimum: 1_024, default: 1024 * 1024 }),
  /** A socket with no traffic (frames or pongs) for this long is terminated (PRD §7.5: 60 s). */
  WS_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /** Server ping / presence refresh interval. */
  WS_HEARTBEAT_MS: Type.Integer({ minimum: 50, default: 25_000 }),
  /** How long a socket without `?token=` may take to send its `auth` frame (addenda F: 10 s). */
  WS_AUTH_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 10_000 }),
  /** How often lapsed presences (users of a crashed instance) are announced offline; 0 = never. */
  WS_PRESENCE_SWEEP_MS: Type.Integer({ minimum: 0, default: 15_000 }),
  /** Undelivered messages replayed per page on connect. */
  WS_REPLAY_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  /** `message.send` frames per user per window (PRD §11.3: 30 per 10 s). */
  WS_SEND_RATE_LIMIT: Type.Integer({ minimum: 1, default: 30 }),
  WS_SEND_RATE_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 10 }),
  /**
   * How long a `message.delivered` or `message.read` frame waits for others to share its
   * message-service call when none is in flight (0: at once). Receipts are off the delivery path;
   * a few ms let a busy instance write many in one call and one statement.
   */
  WS_RECEIPT_BATCH_WAIT_MS: Type.Integer({ minimum: 0, maximum: 1_000, default: 10 }),
});

export function loadWebSocketConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(WebSocketEnv, env);
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    redisUrl: e.REDIS_URL,
    nats: natsConfig(e),
    grpcClients: grpcClientConfig(e, CALLS),
    instanceId: e.INSTANCE_ID ?? `${hostname()}:${process.pid}:${Date.now()}`,
    ws: {
      maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      maxFrameBytes: e.WS_MAX_FRAME_BYTES,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      idleTimeoutMs: e.WS_IDLE_TIMEOUT_MS,
      heartbeatMs: e.WS_HEARTBEAT_MS,
      authTimeoutMs: e.WS_AUTH_TIMEOUT_MS,
      replayPageSize: e.WS_REPLAY_PAGE_SIZE,
    },
    presenceSweepMs: e.WS_PRESENCE_SWEEP_MS,
    sendRateLimit: { limit: e.WS_SEND_RATE_LIMIT, windowSeconds: e.WS_SEND_RATE_WINDOW_SECONDS },
    receiptBatchWaitMs: e.WS_RECEIPT_BATCH_WAIT_MS,
  });
}

export type WebSocketConfig = ReturnType<typeof loadWebSocketConfig>;
