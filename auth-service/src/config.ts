import {
  CommonEnv,
  ConfigError,
  GrpcListenEnv,
  ListenEnv,
  PostgresEnv,
  RedisEnv,
  Type,
  commonConfig,
  listenConfig,
  loadEnv,
  postgresConfig,
} from '@wa/pkg/config';

const AuthEnv = Type.Object({
  ...CommonEnv,
  ...ListenEnv(8081),
  ...GrpcListenEnv(9081),
  ...PostgresEnv,
  ...RedisEnv,
  JWT_SECRET: Type.String({ minLength: 16 }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 86_400, default: 900 }),
  REFRESH_TOKEN_TTL_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
  SMS_PROVIDER: Type.Literal('mock', { default: 'mock' }),
  OTP_FIXED_CODE: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  OTP_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 3_600, default: 300 }),
  OTP_SEND_LIMIT: Type.Integer({ minimum: 1, default: 3 }),
  OTP_VERIFY_LIMIT: Type.Integer({ minimum: 1, default: 5 }),
  OTP_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 300 }),
  BCRYPT_ROUNDS: Type.Integer({ minimum: 4, maximum: 14, default: 10 }),
});

export function loadAuthConfig(env: Record<string, string | undefined>) {
  const e = loadEnv(AuthEnv, env);
  if (e.NODE_ENV === 'production' && e.SMS_PROVIDER === 'mock') {
    throw new ConfigError([
      'SMS_PROVIDER: the mock SMS provider is refused when NODE_ENV=production',
    ]);
  }
  return Object.freeze({
    ...commonConfig(e),
    listen: listenConfig(e),
    postgres: postgresConfig(e),
    redisUrl: e.REDIS_URL,
    tokens: {
      jwtSecret: e.JWT_SECRET,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: e.REFRESH_TOKEN_TTL_DAYS * 86_400,
    },
    otp: {
      provider: e.SMS_PROVIDER,
      fixedCode: e.OTP_FIXED_CODE,
      ttlSeconds: e.OTP_TTL_SECONDS,
      sendLimit: e.OTP_SEND_LIMIT,
      verifyLimit: e.OTP_VERIFY_LIMIT,
      windowSeconds: e.OTP_WINDOW_SECONDS,
      bcryptRounds: e.BCRYPT_ROUNDS,
    },
  });
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
