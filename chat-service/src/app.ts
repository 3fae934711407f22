import type { EventSink } from '@wa/pkg/bus';
import { pingPostgres, type PgPool } from '@wa/pkg/db';
import type { Client, UserService } from '@wa/pkg/grpc';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import { chatGrpcRoutes } from './handler/grpc-routes.ts';
import { registerChatRoutes } from './handler/http-routes.ts';
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
  pool: PgPool;
  /** Where chat events go: the outbox, relayed to JetStream. */
  events: EventSink;
  users: Client<typeof UserService>;
  log: Logger;
  now?: () => Date;
}

/**
 * Builds the chat services, the HTTP app and the gRPC routes without listening or consuming;
 * main.ts starts them, tests call this with their own deps.
 */
export function buildChatApp({ pool, events, users, log, now }: ChatAppDeps) {
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
    events,
    log,
    now,
  });
  const membership = createMembershipService({ pool, ...repositories, events, log });
  const activity = createActivityService({
    pool,
    activity: createMessageActivityRepository(),
    log,
  });

  // NATS is not needed to serve requests (the outbox holds events), so it is not a readiness check.
  const app = createHttpServer({
    service: 'chat-service',
    callerHeaders: true,
    log,
    readiness: async () => ({ postgres: await pingPostgres(pool) }),
  });
  registerChatRoutes(app, chats, membership);
  return { app, chats, membership, activity, grpcRoutes: chatGrpcRoutes(chats) };
}
