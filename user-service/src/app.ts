import type { EventSink } from '@wa/pkg/bus';
import { createHttpServer } from '@wa/pkg/http';
import { pingPostgres, pingRedis, type PgPool, type Redis } from '@wa/pkg/db';
import type { Logger } from '@wa/pkg/log';
import type { UserConfig } from './config.ts';
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
  config: Pick<UserConfig, 'presenceTtlSeconds'>;
  pool: PgPool;
  redis: Redis;
  /** Where block changes are announced: the outbox, relayed to JetStream. */
  events: EventSink;
  log: Logger;
}

/** Builds the user services and the HTTP app without listening; tests call it with their own deps. */
export function buildUserApp({ config, pool, redis, events, log }: UserAppDeps) {
  const users = createUserRepository(pool);
  const services = {
    profiles: createProfileService({ users, privacy: createPrivacyRepository(pool) }),
    contacts: createContactService({ users, contacts: createContactRepository(pool) }),
    blocks: createBlockService({ pool, blocks: createBlockRepository(), events }),
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
    readiness: async () => ({ postgres: await pingPostgres(pool), redis: await pingRedis(redis) }),
  });
  registerUserRoutes(app, services);
  return { app, services };
}
