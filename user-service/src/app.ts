import { createOutbox, outboxWorker, type OutboxTuning, type StreamPublish } from '@wa/pkg/bus';
import { createStampWriter } from '@wa/pkg/cache';
import { createServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import { pingPostgres, pingRedis, type PgPool, type Redis } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';
import type { ServiceApp } from '@wa/pkg/service';
import type { UserConfig } from './config.ts';
import { userGrpcRoutes } from './handler/grpc-routes.ts';
import { registerUserRoutes } from './handler/http-routes.ts';
import { createBlockRepository } from './repository/block-repository.ts';
import { createContactRepository } from './repository/contact-repository.ts';
import { createDeviceTokenRepository } from './repository/device-token-repository.ts';
import { createPresenceRepository } from './repository/presence-repository.ts';
import { createPrivacyRepository } from './repository/privacy-repository.ts';
import { createUserRepository } from './repository/user-repository.ts';
import { createBlockService } from './service/block-service.ts';
import { createContactService } from './service/contact-service.ts';
import { createDeviceTokenService } from './service/device-token-service.ts';
import { createPresenceService } from './service/presence-service.ts';
import { createProfileService } from './service/profile-service.ts';

export interface UserAppDeps {
  config: Pick<UserConfig, 'presenceTtlSeconds'> & Partial<Pick<UserConfig, 'health'>>;
  pool: PgPool;
  redis: Redis;
  /** Where block changes are published, through the outbox. */
  js: StreamPublish;
  log: Logger;
  /** Relay timings (tests make them short) and, for tests, a copy of the outbox table. */
  outbox?: OutboxTuning & { table?: string };
}

/**
 * Builds the user services, the HTTP app, the gRPC routes and the outbox relay without listening;
 * tests call it with their own deps.
 */
export function buildUserApp({ config, pool, redis, js, log, outbox: timings }: UserAppDeps) {
  const probes = createServiceProbes('user-service', config.health?.liveness);
  const outbox = createOutbox({ pool, js, log, table: 'user_outbox', probes, ...timings });
  const users = createUserRepository(pool);
  const stamps = createStampWriter(redis);
  const services = {
    profiles: createProfileService({ users, privacy: createPrivacyRepository(pool), stamps }),
    contacts: createContactService({ users, contacts: createContactRepository(pool) }),
    blocks: createBlockService({
      pool,
      blocks: createBlockRepository(),
      events: outbox,
      stamps,
    }),
    presence: createPresenceService({
      presence: createPresenceRepository(redis, config.presenceTtlSeconds),
      users,
      log,
    }),
    deviceTokens: createDeviceTokenService(createDeviceTokenRepository(pool)),
  };
  const app = createHttpServer({
    service: 'user-service',
    callerHeaders: true,
    log,
    probes,
    readiness: { postgres: () => pingPostgres(pool), redis: () => pingRedis(redis) },
    readinessTimeoutMs: config.health?.readinessTimeoutMs,
  });
  registerUserRoutes(app, services);
  return {
    http: app,
    grpc: userGrpcRoutes(services),
    workers: [outboxWorker(outbox)],
    services: { ...services, outbox },
    probes,
  } satisfies ServiceApp;
}
