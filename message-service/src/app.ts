import {
  consumerWorker,
  createOutboxRelay,
  createStreamPublisher,
  outboxWorker,
  type ConsumerTuning,
  type NatsConnection,
  type OutboxTuning,
} from '@wa/pkg/bus';
import { STAMPED_CACHE_TTL_MS, type StampReader } from '@wa/pkg/cache';
import type { ChatService, Client, MediaService, UserService } from '@wa/pkg/grpc';
import { createServiceProbes, type ServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import type { ServiceApp, Worker } from '@wa/pkg/service';
import type { MessageConfig } from './config.ts';
import { watchCacheEvents } from './handler/cache-events.ts';
import { consumeChatEvents } from './handler/chat-events.ts';
import { messageGrpcRoutes } from './handler/grpc-routes.ts';
import { registerMessageRoutes } from './handler/http-routes.ts';
import { createChatRemote } from './repository/chat-remote.ts';
import { createMediaRemote } from './repository/media-remote.ts';
import type { MessageStore } from './repository/message-store.ts';
import { createUserRemote } from './repository/user-remote.ts';
import { createHistoryService } from './service/history-service.ts';
import { createMembership } from './service/membership.ts';
import {
  createReceiptService,
  readReceiptsFromUserService,
  type ReadReceiptsLookup,
} from './service/receipt-service.ts';
import { createMessageRefs } from './service/message-refs.ts';
import { createSendService } from './service/send-service.ts';
import { createSystemMessages } from './service/system-messages.ts';

export interface MessageAppDeps {
  config: Pick<MessageConfig, 'nats'> & {
    membershipCache?: MessageConfig['membershipCache'];
    outbox?: OutboxTuning;
    health?: MessageConfig['health'];
  };
  consumer?: ConsumerTuning;
  /** The messages (open-message-store.ts); its readiness is the service's. */
  store: MessageStore;
  /** The probes the store reports its progress into; the app's own when not given. */
  probes?: ServiceProbes;
  nc: NatsConnection;
  chats: Client<typeof ChatService>;
  users: Client<typeof UserService>;
  /** GetMediaMetadata, for the upload each media message names (addenda I). */
  media: Client<typeof MediaService>;
  /** Chat and user stamps (Redis): whether a cached membership or block answer still holds. */
  stamps: StampReader;
  log: Logger;
  /** Defaults to the user-service's GetReadReceipts, hiding the read when it cannot answer. */
  readReceipts?: ReadReceiptsLookup;
  now?: () => Date;
}

/**
 * Builds the services, the HTTP app, the gRPC routes and the workers (event relay, cache
 * invalidation watcher, chat event consumer) without listening or starting them; tests call this
 * with their own deps.
 */
export function buildMessageApp(deps: MessageAppDeps) {
  const { config, store: messages, nc, log, now } = deps;
  const probes = deps.probes ?? createServiceProbes('message-service', config.health?.liveness);
  const chats = createChatRemote(deps.chats);
  const users = createUserRemote(deps.users);
  const media = createMediaRemote(deps.media);
  const relay = createOutboxRelay({
    ...config.outbox,
    store: messages.outbox,
    js: createStreamPublisher(nc),
    log,
    confirm: messages.confirm,
    probes,
  });
  // Permissions and settings other services own, each cached under its stamp.
  const cached = {
    ttlMs: config.membershipCache?.ttlMs ?? STAMPED_CACHE_TTL_MS,
    maxEntries: config.membershipCache?.maxEntries ?? 10_000,
  };
  const membership = createMembership({ chats, users, stamps: deps.stamps, ...cached });
  const refs = createMessageRefs(messages);
  const send = createSendService({ messages, refs, membership, media, relay, log, now });
  const history = createHistoryService({ messages, membership, relay, now });
  const receipts = createReceiptService({
    messages,
    refs,
    membership,
    relay,
    readReceipts: deps.readReceipts ?? readReceiptsFromUserService(users, deps.stamps, log, cached),
    now,
  });

  // NATS is not needed to serve requests (unpublished events wait in the store): not a readiness check.
  const app = createHttpServer({
    service: 'message-service',
    callerHeaders: true,
    log,
    probes,
    readiness: { [messages.kind]: () => messages.ping() },
    readinessTimeoutMs: config.health?.readinessTimeoutMs,
  });
  registerMessageRoutes(app, { send, history, receipts });
  const workers: Worker[] = [
    outboxWorker(relay),
    consumerWorker('cache events', () => watchCacheEvents({ nc, membership, log })),
    consumerWorker('chat events', () =>
      consumeChatEvents({
        nc,
        durable: config.nats.consumerName,
        maxDeliver: config.nats.maxDeliver,
        probes,
        inactiveThresholdMs: deps.consumer?.inactiveThresholdMs,
        systemMessages: createSystemMessages({ send, users, log }),
        log,
      }),
    ),
  ];
  return {
    http: app,
    grpc: messageGrpcRoutes({ send, history, receipts, log }),
    workers,
    services: { relay, membership, send, history, receipts },
    probes,
  } satisfies ServiceApp;
}
