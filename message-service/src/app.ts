import {
  consumerWorker,
  createOutboxRelay,
  jetstream,
  outboxWorker,
  type ConsumerTuning,
  type NatsConnection,
  type OutboxTuning,
} from '@wa/pkg/bus';
import type { StampReader } from '@wa/pkg/cache';
import { pingMongo, type Db, type MongoClient } from '@wa/pkg/db';
import type { ChatService, Client, UserService } from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import type { ServiceApp, Worker } from '@wa/pkg/service';
import type { MessageConfig } from './config.ts';
import { watchCacheEvents } from './handler/cache-events.ts';
import { consumeChatEvents } from './handler/chat-events.ts';
import { messageGrpcRoutes } from './handler/grpc-routes.ts';
import { registerMessageRoutes } from './handler/http-routes.ts';
import { createChatRemote } from './repository/chat-remote.ts';
import { MESSAGES, createMessageRepository } from './repository/message-repository.ts';
import { createUserRemote } from './repository/user-remote.ts';
import { createHistoryService } from './service/history-service.ts';
import { createMembership } from './service/membership.ts';
import {
  createReceiptService,
  readReceiptsFromUserService,
  type ReadReceiptsLookup,
} from './service/receipt-service.ts';
import { createMessageRefs } from './service/message-refs.ts';
import { confirmStoredEvents, createMessageOutbox } from './service/outbox-events.ts';
import { createSendService } from './service/send-service.ts';
import { createSystemMessages } from './service/system-messages.ts';

export interface MessageAppDeps {
  config: Pick<MessageConfig, 'nats'> & {
    membershipCache?: MessageConfig['membershipCache'];
    outbox?: OutboxTuning;
    health?: MessageConfig['health'];
  };
  consumer?: ConsumerTuning;
  mongo: MongoClient;
  nc: NatsConnection;
  chats: Client<typeof ChatService>;
  users: Client<typeof UserService>;
  /** Chat and user stamps (Redis): whether a cached membership or block answer still holds. */
  stamps: StampReader;
  log: Logger;
  /** Defaults to the user-service's GetReadReceipts, hiding the read when it cannot answer. */
  readReceipts?: ReadReceiptsLookup;
  now?: () => Date;
}

/** True once the `messages` collection has a text index (MongoDB); FerretDB v1 has none. */
function textIndexProbe(db: Db, log: Logger): () => Promise<boolean> {
  let known: Promise<boolean> | undefined;
  return () =>
    (known ??= db
      .collection(MESSAGES)
      .listIndexes()
      .toArray()
      .then((indexes) => indexes as { key: Record<string, unknown> }[])
      .then((indexes) => {
        const found = indexes.some((index) => Object.values(index.key).includes('text'));
        log.info({ text_index: found }, 'message search mode chosen');
        return found;
      })
      .catch((error: unknown) => {
        known = undefined;
        throw error;
      }));
}

/**
 * Builds the services, the HTTP app, the gRPC routes and the workers (event relay, cache
 * invalidation watcher, chat event consumer) without listening or starting them; tests call this
 * with their own deps.
 */
export function buildMessageApp(deps: MessageAppDeps) {
  const { config, mongo, nc, log, now } = deps;
  const probes = createServiceProbes('message-service', config.health?.liveness);
  const js = jetstream(nc);
  const chats = createChatRemote(deps.chats);
  const users = createUserRemote(deps.users);
  const db = mongo.db();
  const outbox = createMessageOutbox(db);
  const messages = createMessageRepository(db, outbox, probes.watchdog.tracker('store'));
  const relay = createOutboxRelay({
    ...config.outbox,
    store: outbox,
    js,
    log,
    confirm: confirmStoredEvents(messages),
  });
  const membership = createMembership({
    chats,
    users,
    stamps: deps.stamps,
    ttlMs: config.membershipCache?.ttlMs ?? 30_000,
    maxEntries: config.membershipCache?.maxEntries ?? 10_000,
  });
  const refs = createMessageRefs(messages);
  const send = createSendService({ messages, refs, membership, relay, log, now });
  const history = createHistoryService({
    messages,
    outbox,
    membership,
    relay,
    textSearch: textIndexProbe(db, log),
    now,
  });
  const receipts = createReceiptService({
    messages,
    refs,
    outbox,
    membership,
    relay,
    readReceipts: deps.readReceipts ?? readReceiptsFromUserService(users, log),
    now,
  });

  // NATS is not needed to serve requests (unpublished events wait in MongoDB): not a readiness check.
  const app = createHttpServer({
    service: 'message-service',
    callerHeaders: true,
    log,
    probes,
    readiness: { mongo: () => pingMongo(mongo) },
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
    grpc: messageGrpcRoutes({ send, history, receipts }),
    workers,
    services: { relay, membership, send, history, receipts },
    probes,
  } satisfies ServiceApp;
}
