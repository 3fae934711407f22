// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { connectNats } from '@wa/pkg/bus';
import { createRedis } from '@wa/pkg/db';
import { ChatService, createGrpcClient, recordCallsInto } from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildMediaApp } from './app.ts';
import { loadMediaConfig } from './config.ts';
import { createObjectStorage } from './repository/object-storage.ts';
import { openMediaStore } from './repository/open-media-store.ts';

const SERVICE = 'media-service';

void runService(SERVICE, async () => {
  const config = loadMediaConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const probes = createServiceProbes(SERVICE, config.health.liveness);
  const store = await openMediaStore(config.mediaStore.url, {
    log,
    poolMax: config.mediaStore.poolMax,
  });
  const storage = createObjectStorage(config.storage);
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  // Not awaited: without Redis the service still serves, without its upload limit.
  const redis = createRedis({ url: config.redisUrl, log });
  const record = recordCallsInto(probes.metrics, 'client');
  const chats = createGrpcClient(ChatService, { ...config.grpcClients.chat, record });
  return {
    app: buildMediaApp({ config, store, storage, probes, nc, redis, chats, log }),
    log,
    listen: config.listen,
    clients: [
      { name: 'media store', close: () => store.close() },
      { name: 's3', close: async () => storage.close() },
      { name: 'nats', close: () => nc.drain() },
      { name: 'redis', close: async () => redis.disconnect() },
    ],
  };
});
