import { connectNats, jetstream } from '@wa/pkg/bus';
import { createMongoClient } from '@wa/pkg/db';
import { ChatService, UserService, createGrpcClient, createGrpcServer } from '@wa/pkg/grpc';
import { closeOnSignals, exitOnStartupFailure } from '@wa/pkg/http';
import { createLogger } from '@wa/pkg/log';
import { buildMessageApp } from './app.ts';
import { loadMessageConfig } from './config.ts';
import { watchCacheEvents } from './handler/cache-events.ts';
import { consumeChatEvents } from './handler/chat-events.ts';
import { createUserRemote } from './repository/user-remote.ts';
import { createSystemMessages } from './service/system-messages.ts';

const SERVICE = 'message-service';

async function main() {
  const config = loadMessageConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const mongo = createMongoClient({ url: config.mongoUrl });
  await mongo.connect();
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  const chats = createGrpcClient(ChatService, config.chatService);
  const users = createGrpcClient(UserService, config.userService);

  const { app, relay, membership, send, grpcRoutes } = buildMessageApp({
    mongo,
    js: jetstream(nc),
    chats,
    users,
    log,
    membershipCache: config.membershipCache,
    relay: config.outbox,
  });
  const grpc = createGrpcServer({ routes: grpcRoutes, log });

  relay.start();
  const cacheEvents = await watchCacheEvents({ nc, membership, log });
  const consumer = await consumeChatEvents({
    nc,
    durable: config.nats.consumerName,
    inactiveThresholdMs: config.nats.inactiveThresholdMs,
    systemMessages: createSystemMessages({ send, users: createUserRemote(users), log }),
    log,
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  await grpc.listen(config.grpc.port, config.grpc.host);
  log.info({ http: config.http.port, grpc: config.grpc.port }, 'message-service listening');

  closeOnSignals(log, [
    { name: 'http', close: () => app.close() },
    { name: 'grpc', close: () => grpc.close() },
    { name: 'nats consumer', close: () => consumer.stop() },
    { name: 'cache events', close: () => cacheEvents.stop() },
    { name: 'event relay', close: () => relay.stop() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'mongo', close: () => mongo.close() },
  ]);
}

main().catch((error: unknown) => exitOnStartupFailure(SERVICE, error));
