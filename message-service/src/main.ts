// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { connectNats } from '@wa/pkg/bus';
import { createStampReader } from '@wa/pkg/cache';
import { createRedis } from '@wa/pkg/db';
import { createServiceProbes } from '@wa/pkg/health';
import {
  ChatService,
  MediaService,
  UserService,
  createGrpcClient,
  recordCallsInto,
} from '@wa/pkg/grpc';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildMessageApp } from './app.ts';
import { loadMessageConfig } from './config.ts';
import { openMessageStore } from './repository/open-message-store.ts';

const SERVICE = 'message-service';

void runService(SERVICE, async () => {
  const config = loadMessageConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const probes = createServiceProbes(SERVICE, config.health.liveness);
  const store = await openMessageStore(config.messageStore.url, {
    log,
    progress: probes.watchdog.tracker('store'),
    poolMax: config.messageStore.poolMax,
    batchWaitMs: config.messageStore.batchWaitMs,
  });
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  // Not awaited: without Redis the service still serves, asking the owners of every permission.
  const redis = createRedis({ url: config.redisUrl, log });
  const record = recordCallsInto(probes.metrics, 'client');
  const chats = createGrpcClient(ChatService, { ...config.grpcClients.chat, record });
  const users = createGrpcClient(UserService, { ...config.grpcClients.user, record });
  const media = createGrpcClient(MediaService, { ...config.grpcClients.media, record });
  return {
    app: buildMessageApp({
      config,
      store,
      probes,
      nc,
      chats,
      users,
      media,
      stamps: createStampReader(redis, log),
      log,
    }),
    log,
    listen: config.listen,
    clients: [
      { name: 'message store', close: () => store.close() },
      { name: 'nats', close: () => nc.drain() },
      { name: 'redis', close: () => redis.disconnect() },
    ],
  };
});
