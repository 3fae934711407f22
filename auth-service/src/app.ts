import { createServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import { pingPostgres, pingRedis, type PgPool, type Redis } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';
import type { ServiceApp } from '@wa/pkg/service';
import type { AuthConfig } from './config.ts';
import { authGrpcRoutes } from './handler/grpc-routes.ts';
import { registerAuthRoutes } from './handler/http-routes.ts';
import { createDeviceTokenRepository } from './repository/device-token-repository.ts';
import { createOtpRepository } from './repository/otp-repository.ts';
import { createRefreshTokenRepository } from './repository/refresh-token-repository.ts';
import { createUserRepository } from './repository/user-repository.ts';
import { createAccessTokens } from './service/access-tokens.ts';
import { createAuthService } from './service/auth-service.ts';
import { createMockSmsSender, type SmsSender } from './service/sms-sender.ts';

export interface AuthAppDeps {
  config: AuthConfig;
  pool: PgPool;
  redis: Redis;
  log: Logger;
  sms?: SmsSender;
}

/** Builds the auth service, its HTTP app and gRPC routes without listening; tests call it with their own deps. */
export function buildAuthApp({ config, pool, redis, log, sms }: AuthAppDeps) {
  const probes = createServiceProbes('auth-service', config.health.liveness);
  const auth = createAuthService({
    config,
    pool,
    otps: createOtpRepository(redis),
    users: createUserRepository(pool),
    refreshTokens: createRefreshTokenRepository(),
    deviceTokens: createDeviceTokenRepository(pool),
    accessTokens: createAccessTokens(config.tokens.jwtSecret, config.tokens.accessTtlSeconds),
    sms: sms ?? createMockSmsSender(log),
    log,
  });
  const app = createHttpServer({
    service: 'auth-service',
    callerHeaders: true,
    log,
    probes,
    readiness: { postgres: () => pingPostgres(pool), redis: () => pingRedis(redis) },
    readinessTimeoutMs: config.health.readinessTimeoutMs,
  });
  registerAuthRoutes(app, auth);
  return {
    http: app,
    grpc: authGrpcRoutes(auth),
    workers: [],
    services: { auth },
    probes,
  } satisfies ServiceApp;
}
