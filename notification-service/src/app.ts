import { consumerWorker, type ConsumerTuning, type NatsConnection } from '@wa/pkg/bus';
import { createStampReader } from '@wa/pkg/cache';
import { pingPostgres, type Queryable, type Redis } from '@wa/pkg/db';
import {
  createChatParticipants,
  type ChatService,
  type Client,
  type UserService,
} from '@wa/pkg/grpc';
import { createServiceProbes, type ServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import { intervalWorker, type ServiceApp } from '@wa/pkg/service';
import type { NotificationConfig } from './config.ts';
import { consumePushEvents } from './handler/push-events.ts';
import { createDeviceTokens } from './repository/device-tokens.ts';
import type { FcmClient } from './repository/fcm-client.ts';
import { createPushMarks } from './repository/push-marks.ts';
import { createPushWindows } from './repository/push-windows.ts';
import { createUserRemote } from './repository/user-remote.ts';
import { createPushDelivery } from './service/push-delivery.ts';
import { createPushMetrics } from './service/push-metrics.ts';
import { createPushService } from './service/push-service.ts';

export interface NotificationAppDeps {
  config: Pick<NotificationConfig, 'nats' | 'push'> & Partial<Pick<NotificationConfig, 'health'>>;
  consumer?: ConsumerTuning;
  pool: Queryable;
  redis: Redis;
  nc: NatsConnection;
  fcm: Pick<FcmClient, 'send'>;
  users: Client<typeof UserService>;
  chats: Client<typeof ChatService>;
  probes?: ServiceProbes;
  log: Logger;
}

/** How often each instance looks for group windows that are due (a fraction of the window). */
const flushEveryMs = (windowMs: number) => Math.max(20, Math.min(250, Math.floor(windowMs / 4)));

/**
 * Builds the push rules, the consumer and the group-window flusher, and an HTTP server for
 * health, readiness and metrics only: the service has no client routes (PRD §6.6) and serves no
 * gRPC. Tests call this with their own deps.
 */
export function buildNotificationApp(deps: NotificationAppDeps) {
  const { config, pool, redis, nc, log } = deps;
  const probes =
    deps.probes ?? createServiceProbes('notification-service', config.health?.liveness);
  const metrics = createPushMetrics(probes);
  const tokens = createDeviceTokens(pool);
  const delivery = createPushDelivery({
    fcm: deps.fcm,
    tokens,
    marks: createPushMarks(redis),
    metrics,
    log,
    maxAttempts: config.push.maxAttempts,
    retryBaseMs: config.push.retryBaseMs,
    concurrency: config.push.concurrency,
  });
  const pushes = createPushService({
    participants: createChatParticipants(deps.chats, createStampReader(redis, log)),
    users: createUserRemote(deps.users),
    tokens,
    windows: createPushWindows(redis),
    delivery,
    metrics,
    log,
    groupWindowMs: config.push.groupWindowMs,
  });

  const app = createHttpServer({
    service: 'notification-service',
    callerHeaders: false,
    log,
    probes,
    readiness: {
      postgres: () => pingPostgres(pool),
      redis: async () => (await redis.ping()) === 'PONG',
    },
    readinessTimeoutMs: config.health?.readinessTimeoutMs,
  });
  return {
    http: app,
    workers: [
      consumerWorker('push events', () =>
        consumePushEvents({
          nc,
          durable: config.nats.consumerName,
          maxDeliver: config.nats.maxDeliver,
          inactiveThresholdMs: deps.consumer?.inactiveThresholdMs,
          probes,
          pushes,
          log,
        }),
      ),
      intervalWorker(
        'group pushes',
        flushEveryMs(config.push.groupWindowMs),
        () => pushes.flushDue(),
        log,
      ),
    ],
    services: { pushes },
    probes,
  } satisfies ServiceApp;
}
