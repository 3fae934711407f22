import { connectNats } from '@wa/pkg/bus';
import { createStampReader } from '@wa/pkg/cache';
import { createMongoClient, createRedis } from '@wa/pkg/db';
import { ChatService, UserService, createGrpcClient } from '@wa/pkg/grpc';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildMessageApp } from './app.ts';
import { loadMessageConfig } from './config.ts';

const SERVICE = 'message-service';

void runService(SERVICE, async () => {
  const config = loadMessageConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const mongo = await createMongoClient({ url: config.mongoUrl }).connect();
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  // Not awaited: without Redis the service still serves, asking the owners of every permission.
  const redis = createRedis({ url: config.redisUrl, log });
  const chats = createGrpcClient(ChatService, config.grpcClients.chat);
  const users = createGrpcClient(UserService, config.grpcClients.user);
  return {
    app: buildMessageApp({
      config,
      mongo,
      nc,
      chats,
      users,
      stamps: createStampReader(redis, log),
      log,
    }),
    log,
    listen: config.listen,
    clients: [
      { name: 'mongo', close: () => mongo.close() },
      { name: 'nats', close: () => nc.drain() },
      { name: 'redis', close: () => redis.disconnect() },
    ],
  };
});
