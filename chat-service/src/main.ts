// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { connectNats } from '@wa/pkg/bus';
import { createStampWriter } from '@wa/pkg/cache';
import { connectPostgresSplit, createRedis } from '@wa/pkg/db';
import { UserService, createGrpcClient, recordCallsInto } from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildChatApp } from './app.ts';
import { loadChatConfig } from './config.ts';

const SERVICE = 'chat-service';

void runService(SERVICE, async () => {
  const config = loadChatConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  // The message activity's batched writes on connections that plan each statement once.
  const postgres = await connectPostgresSplit(config.postgres, log);
  const { pool, writes: activityPool } = postgres;
  // Not awaited: only changes need Redis (their stamps), and they answer 503 while it is away.
  const redis = createRedis({ url: config.redisUrl, log });
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  const probes = createServiceProbes(SERVICE, config.health.liveness);
  const record = recordCallsInto(probes.metrics, 'client');
  const users = createGrpcClient(UserService, { ...config.grpcClients.user, record });
  return {
    app: buildChatApp({
      config,
      pool,
      activityPool,
      nc,
      users,
      stamps: createStampWriter(redis),
      log,
      probes,
    }),
    log,
    listen: config.listen,
    clients: [
      { name: 'postgres', close: () => postgres.end() },
      { name: 'redis', close: () => redis.disconnect() },
      { name: 'nats', close: () => nc.drain() },
    ],
  };
});
