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
  UrlString,
  commonConfig,
  grpcClientConfig,
  listenConfig,
  loadEnv,
  natsConfig,
} from '@wa/pkg/config';

const CALLS = ['CHAT'] as const;

const MediaEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8086),
  ...GrpcListenEnv(9086),
  /** Addenda K: `postgres://` (native tables) or `mongodb://` (MongoDB 7; FerretDB in tests). */
  MEDIA_STORE_URL: Type.String({
    pattern: STORE_URL_PATTERN,
    default: 'postgres://postgres@127.0.0.1:5432/whatsapp',
  }),
  MEDIA_STORE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  ...RedisEnv,
  ...NatsEnv,
  ...NatsConsumerEnv('media-service'),
  ...GrpcClientEnv(CALLS, 1_000),
  /** Where this service reaches the S3-compatible server (MinIO, versitygw, AWS). */
  S3_ENDPOINT: UrlString('http://127.0.0.1:9000'),
  /** Where clients reach it: presigned URLs name this origin (addenda I). */
  S3_PUBLIC_URL: Type.Optional(UrlString()),
  S3_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  S3_ACCESS_KEY: Type.String({ minLength: 1, default: 'minioadmin' }),
  S3_SECRET_KEY: Type.String({ minLength: 1, default: 'minioadmin' }),
  S3_BUCKET: Type.String({
    pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    default: 'whatsapp-media',
  }),
  /** How long a presigned URL stays valid (PRD §11.5: one hour). */
  MEDIA_URL_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 604_800, default: 3_600 }),
  /** Uploads no message references within this long are deleted (addenda I). */
  MEDIA_ORPHAN_TTL_HOURS: Type.Number({ exclusiveMinimum: 0, maximum: 8_760, default: 24 }),
  MEDIA_ORPHAN_SWEEP_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 86_400_000,
    default: 600_000,
  }),
  /** PRD §11.3: uploads per user per minute. */
  MEDIA_UPLOADS_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 100_000, default: 10 }),
  /** FFmpeg or libvips decodes at once (each takes a core); more uploads wait for their turn. */
  MEDIA_DECODE_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  FFMPEG_PATH: Type.String({ minLength: 1, default: 'ffmpeg' }),
  FFPROBE_PATH: Type.String({ minLength: 1, default: 'ffprobe' }),
});

export function loadMediaConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(MediaEnv, env);
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    mediaStore: { url: e.MEDIA_STORE_URL, poolMax: e.MEDIA_STORE_POOL_MAX },
    redisUrl: e.REDIS_URL,
    nats: natsConfig(e),
    grpcClients: grpcClientConfig(e, CALLS),
    storage: {
      endpoint: e.S3_ENDPOINT,
      publicEndpoint: e.S3_PUBLIC_URL ?? e.S3_ENDPOINT,
      region: e.S3_REGION,
      accessKey: e.S3_ACCESS_KEY,
      secretKey: e.S3_SECRET_KEY,
      bucket: e.S3_BUCKET,
    },
    urlTtlSeconds: e.MEDIA_URL_TTL_SECONDS,
    orphans: {
      ttlMs: Math.round(e.MEDIA_ORPHAN_TTL_HOURS * 3_600_000),
      sweepIntervalMs: e.MEDIA_ORPHAN_SWEEP_INTERVAL_MS,
    },
    uploadsPerMinute: e.MEDIA_UPLOADS_PER_MINUTE,
    decodeConcurrency: e.MEDIA_DECODE_CONCURRENCY,
    tools: { ffmpeg: e.FFMPEG_PATH, ffprobe: e.FFPROBE_PATH },
  });
}

export type MediaConfig = ReturnType<typeof loadMediaConfig>;
