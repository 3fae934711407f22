import type { JetStreamClient } from '@wa/pkg/bus';
import { pingMongo, type Db, type MongoClient } from '@wa/pkg/db';
import type { ChatService, Client, UserService } from '@wa/pkg/grpc';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import { messageGrpcRoutes } from './handler/grpc-routes.ts';
import { registerMessageRoutes } from './handler/http-routes.ts';
import { createChatRemote } from './repository/chat-remote.ts';
import { createEventRepository } from './repository/event-repository.ts';
import { MESSAGES, createMessageRepository } from './repository/message-repository.ts';
import { createUserRemote } from './repository/user-remote.ts';
import { createEventRelay } from './service/event-relay.ts';
import { createHistoryService } from './service/history-service.ts';
import { createMembership } from './service/membership.ts';
import {
  createReceiptService,
  readReceiptsFromUserService,
  type ReadReceiptsLookup,
} from './service/receipt-service.ts';
import { createMessageRefs } from './service/message-refs.ts';
import { createSendService } from './service/send-service.ts';

export interface MessageAppDeps {
  mongo: MongoClient;
  js: JetStreamClient;
  chats: Client<typeof ChatService>;
  users: Client<typeof UserService>;
  log: Logger;
  membershipCache?: { ttlMs: number; maxEntries: number };
  relay?: { sweepIntervalMs?: number; maxBackoffMs?: number; publishTimeoutMs?: number };
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
 * Builds the services, the event relay, the HTTP app and the gRPC routes without listening,
 * relaying or consuming; main.ts starts them, tests call this with their own deps.
 */
export function buildMessageApp(deps: MessageAppDeps) {
  const { mongo, js, log, now } = deps;
  const chats = createChatRemote(deps.chats);
  const users = createUserRemote(deps.users);
  const db = mongo.db();
  const messages = createMessageRepository(db);
  const events = createEventRepository(db);
  const relay = createEventRelay({ messages, events, js, log, ...deps.relay });
  const membership = createMembership({
    chats,
    users,
    ttlMs: deps.membershipCache?.ttlMs ?? 30_000,
    maxEntries: deps.membershipCache?.maxEntries ?? 10_000,
  });
  const refs = createMessageRefs(messages);
  const send = createSendService({ messages, refs, membership, relay, log, now });
  const history = createHistoryService({
    messages,
    events,
    membership,
    relay,
    textSearch: textIndexProbe(db, log),
    now,
  });
  const receipts = createReceiptService({
    messages,
    refs,
    events,
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
    readiness: async () => ({ mongo: await pingMongo(mongo) }),
  });
  registerMessageRoutes(app, { send, history, receipts });
  return {
    app,
    relay,
    membership,
    send,
    history,
    receipts,
    grpcRoutes: messageGrpcRoutes({ send, history, receipts }),
  };
}
