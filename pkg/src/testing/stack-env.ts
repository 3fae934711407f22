import type { StackOptions, StackService, StackSession, StackStores } from './stack.ts';
import { testStores } from './stores.ts';
import { randomPhone } from './users.ts';

/** The durable consumer name of each consuming service in the stack `suffix` (one per stream). */
export const consumerNameOf = (
  service: 'chat' | 'media' | 'message' | 'notification' | 'websocket',
  suffix: string,
) => `${service}-${suffix}`;

/** The standard OTel variables for a stack that exports spans; batches go out every 100 ms. */
export function tracingEnv(options: Pick<StackOptions, 'otlpEndpoint'>): Record<string, string> {
  return options.otlpEndpoint
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '100' }
    : {};
}

export const STACK_JWT_SECRET = 'test-stack-secret-not-for-production';
export const STACK_OTP = '123456';

export interface EnvSettings {
  options: StackOptions;
  stores: StackStores;
  suffix: string;
  grpcAddress: (name: StackService) => string;
  ports: Map<StackService, { http: number; grpc: number }>;
  /** Where the notification-service pushes: an FCM emulator and a service account it trusts. */
  fcm?: { url: string; credentialsPath: string };
}

/** Each service's environment: its stores, its neighbours' gRPC addresses, its consumer name. */
export function stackEnv({ options, stores, suffix, grpcAddress, ports, fcm }: EnvSettings) {
  const pool = String(options.databasePoolMax ?? 4);
  const common = {
    ...tracingEnv(options),
    LOG_LEVEL: options.logLevel ?? 'warn',
    AUTH_GRPC_ADDR: grpcAddress('auth-service'),
    USER_GRPC_ADDR: grpcAddress('user-service'),
    CHAT_GRPC_ADDR: grpcAddress('chat-service'),
    MESSAGE_GRPC_ADDR: grpcAddress('message-service'),
    MEDIA_GRPC_ADDR: grpcAddress('media-service'),
  };
  const { DATABASE_URL, REDIS_URL, NATS_URL, MESSAGE_STORE_URL, MEDIA_STORE_URL } = stores;
  const { s3 } = testStores;
  const own: Record<StackService, Record<string, string>> = {
    'auth-service': {
      DATABASE_URL,
      REDIS_URL,
      JWT_SECRET: STACK_JWT_SECRET,
      OTP_FIXED_CODE: STACK_OTP,
      BCRYPT_ROUNDS: '4',
    },
    'user-service': { DATABASE_URL, DATABASE_POOL_MAX: pool, REDIS_URL, NATS_URL },
    'chat-service': {
      DATABASE_URL,
      DATABASE_POOL_MAX: pool,
      REDIS_URL,
      NATS_URL,
      NATS_CONSUMER_NAME: consumerNameOf('chat', suffix),
    },
    // Stacks share the bucket: media ids are random UUIDs, so no prefix of its own is needed.
    'media-service': {
      MEDIA_STORE_URL,
      MEDIA_STORE_POOL_MAX: pool,
      REDIS_URL,
      NATS_URL,
      NATS_CONSUMER_NAME: consumerNameOf('media', suffix),
      S3_ENDPOINT: s3.url,
      S3_PUBLIC_URL: s3.url,
      S3_ACCESS_KEY: s3.accessKey,
      S3_SECRET_KEY: s3.secretKey,
      S3_BUCKET: s3.bucket,
    },
    'message-service': {
      MESSAGE_STORE_URL,
      MESSAGE_STORE_POOL_MAX: pool,
      REDIS_URL,
      NATS_URL,
      NATS_CONSUMER_NAME: consumerNameOf('message', suffix),
    },
    'notification-service': {
      DATABASE_URL,
      DATABASE_POOL_MAX: pool,
      REDIS_URL,
      NATS_URL,
      NATS_CONSUMER_NAME: consumerNameOf('notification', suffix),
      ...(fcm ? { FCM_BASE_URL: fcm.url, FCM_CREDENTIALS_PATH: fcm.credentialsPath } : {}),
    },
    'websocket-service': {
      REDIS_URL,
      NATS_URL,
      NATS_CONSUMER_NAME: consumerNameOf('websocket', suffix),
    },
  };
  return (name: StackService, extra: Record<string, string> = {}) => ({
    ...common,
    ...own[name],
    ...(name === 'websocket-service' ? {} : { GRPC_PORT: String(ports.get(name)!.grpc) }),
    ...options.env?.[name],
    ...extra,
  });
}

/** Signs a fresh user in through `gateway` (mock SMS provider, the stack's fixed code). */
export async function loginThrough(gateway: string): Promise<StackSession> {
  const phone = randomPhone();
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${gateway}/api/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const envelope = (await response.json()) as {
      data: { user: { id: string }; access_token: string };
    };
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return envelope.data;
  };
  await post('request-otp', { phone });
  const data = await post('verify-otp', { phone, otp: STACK_OTP });
  return { id: data.user.id, phone, token: data.access_token };
}
