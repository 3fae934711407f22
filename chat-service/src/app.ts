import {
  consumerWorker,
  createOutbox,
  createStreamPublisher,
  outboxWorker,
  type ConsumerTuning,
  type NatsConnection,
  type OutboxTuning,
} from '@wa/pkg/bus';
import type { StampWriter } from '@wa/pkg/cache';
import { pingPostgres, type PgPool } from '@wa/pkg/db';
import type { Client, UserService } from '@wa/pkg/grpc';
import { createServiceProbes, type ServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import { intervalWorker, type ServiceApp } from '@wa/pkg/service';
import { DEFAULT_ACTIVITY_BATCH_WAIT_MS, type ChatConfig } from './config.ts';
import { chatGrpcRoutes } from './handler/grpc-routes.ts';
import { registerChatRoutes } from './handler/http-routes.ts';
import { consumeMessageEvents } from './handler/message-events.ts';
import { createChatListRepository } from './repository/chat-list-repository.ts';
import { createChatRepository } from './repository/chat-repository.ts';
import { createMessageActivityRepository } from './repository/message-activity-repository.ts';
import { createParticipantRepository } from './repository/participant-repository.ts';
import { createUserRepository } from './repository/user-repository.ts';
import { createActivityService } from './service/activity-service.ts';
import { createChatService } from './service/chat-service.ts';
import { createMembershipService } from './service/membership-service.ts';
import { createUserRemote } from './repository/user-remote.ts';
import { createProfileLookup } from './service/profiles.ts';

export interface ChatAppDeps {
  config: Pick<ChatConfig, 'nats' | 'logPruneIntervalMs'> &
    Partial<Pick<ChatConfig, 'health' | 'activityBatchWaitMs'>>;
  pool: PgPool;
  /**
   * For the batched message activity (one statement per batch of events): connections that plan
   * each statement once (`plans: 'generic'` in pkg's createPgPool). Default `pool`.
   */
  activityPool?: PgPool;
  /** Chat events leave through the outbox; message events come in on the durable consumer. */
  nc: NatsConnection;
  users: Client<typeof UserService>;
  /** Chat stamps (Redis), renewed before a change of members, roles or posting rule is answered. */
  stamps: StampWriter;
  log: Logger;
  /** Relay timings (tests make them short) and, for tests, a copy of the outbox table. */
  outbox?: OutboxTuning & { table?: string };
  consumer?: ConsumerTuning;
  now?: () => Date;
  /** The service's probes, when main made them first (its gRPC client reports into them). */
  probes?: ServiceProbes;
}

/**
 * Builds the chat services, the HTTP app, the gRPC routes and the workers (outbox relay, message
 * event consumer, log pruning) without listening or starting them; tests call it with their own deps.
 */
export function buildChatApp({ config, pool, nc, users, stamps, log, now, ...deps }: ChatAppDeps) {
  const probes = deps.probes ?? createServiceProbes('chat-service', config.health?.liveness);
  const outbox = createOutbox({
    pool,
    js: createStreamPublisher(nc),
    log,
    table: 'chat_outbox',
    probes,
    ...deps.outbox,
  });
  const repositories = {
    chats: createChatRepository(),
    participants: createParticipantRepository(),
    users: createUserRepository(),
  };
  const chats = createChatService({
    pool,
    ...repositories,
    chatList: createChatListRepository(),
    profiles: createProfileLookup(createUserRemote(users), log),
    events: outbox,
    stamps,
    log,
    now,
  });
  const membership = createMembershipService({
    pool,
    ...repositories,
    events: outbox,
    stamps,
    log,
  });
  const activity = createActivityService({
    pool: deps.activityPool ?? pool,
    activity: createMessageActivityRepository(),
    log,
    progress: probes.watchdog.tracker('store'),
    batchWaitMs: config.activityBatchWaitMs ?? DEFAULT_ACTIVITY_BATCH_WAIT_MS,
  });

  // NATS is not needed to serve requests (the outbox holds events), so it is not a readiness check.
  const app = createHttpServer({
    service: 'chat-service',
    callerHeaders: true,
    log,
    probes,
    readiness: { postgres: () => pingPostgres(pool) },
    readinessTimeoutMs: config.health?.readinessTimeoutMs,
  });
  registerChatRoutes(app, chats, membership);
  return {
    http: app,
    grpc: chatGrpcRoutes(chats),
    workers: [
      outboxWorker(outbox),
      consumerWorker('message events', () =>
        consumeMessageEvents({
          nc,
          durable: config.nats.consumerName,
          maxDeliver: config.nats.maxDeliver,
          probes,
          inactiveThresholdMs: deps.consumer?.inactiveThresholdMs,
          activity,
          log,
        }),
      ),
      intervalWorker('log pruning', config.logPruneIntervalMs, () => activity.pruneLog(), log),
    ],
    services: { chats, membership, activity, outbox },
    probes,
  } satisfies ServiceApp;
}
