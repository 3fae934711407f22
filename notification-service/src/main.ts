// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { connectNats } from '@wa/pkg/bus';
import { connectPostgres, connectRedis } from '@wa/pkg/db';
import { ChatService, UserService, createGrpcClient, recordCallsInto } from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildNotificationApp } from './app.ts';
import { loadNotificationConfig } from './config.ts';
import { createFcmClient } from './repository/fcm-client.ts';
import { loadServiceAccount } from './repository/service-account.ts';

const SERVICE = 'notification-service';

void runService(SERVICE, async () => {
  const config = loadNotificationConfig(process.env);
  // A missing or malformed service account stops the service here, before anything connects.
  const credentials = loadServiceAccount(config.fcm.credentialsPath);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const pool = await connectPostgres(config.postgres, log);
  const redis = await connectRedis(config.redisUrl, log);
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  const probes = createServiceProbes(SERVICE, config.health.liveness);
  const record = recordCallsInto(probes.metrics, 'client');
  const fcm = createFcmClient({ credentials, baseUrl: config.fcm.baseUrl });
  log.info(
    { project_id: credentials.projectId, fcm: config.fcm.baseUrl },
    'pushing through FCM HTTP v1',
  );
  return {
    app: buildNotificationApp({
      config,
      pool,
      redis,
      nc,
      fcm,
      users: createGrpcClient(UserService, { ...config.grpcClients.user, record }),
      chats: createGrpcClient(ChatService, { ...config.grpcClients.chat, record }),
      probes,
      log,
    }),
    log,
    listen: config.listen,
    clients: [
      { name: 'postgres', close: () => pool.end() },
      { name: 'redis', close: () => redis.quit() },
      { name: 'nats', close: () => nc.drain() },
      { name: 'fcm', close: () => fcm.close() },
    ],
  };
});
