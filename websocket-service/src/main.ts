// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { connectNats } from '@wa/pkg/bus';
import { connectRedis } from '@wa/pkg/db';
import {
  AuthService,
  ChatService,
  MessageService,
  UserService,
  createGrpcClient,
  recordCallsInto,
} from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildWebSocketApp } from './app.ts';
import { loadWebSocketConfig } from './config.ts';

const SERVICE = 'websocket-service';

void runService(SERVICE, async () => {
  const config = loadWebSocketConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel }).child({
    instance_id: config.instanceId,
  });
  const [redis, subscriber] = await Promise.all([
    connectRedis(config.redisUrl, log),
    connectRedis(config.redisUrl, log),
  ]);
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  const probes = createServiceProbes(SERVICE, config.health.liveness);
  const record = recordCallsInto(probes.metrics, 'client');
  const clients = {
    auth: createGrpcClient(AuthService, { ...config.grpcClients.auth, record }),
    users: createGrpcClient(UserService, { ...config.grpcClients.user, record }),
    chats: createGrpcClient(ChatService, { ...config.grpcClients.chat, record }),
    messages: createGrpcClient(MessageService, { ...config.grpcClients.message, record }),
  };
  return {
    app: buildWebSocketApp({ config, redis, subscriber, nc, clients, log, probes }),
    log,
    listen: config.listen,
    clients: [
      { name: 'redis', close: () => Promise.all([subscriber.quit(), redis.quit()]) },
      { name: 'nats', close: () => nc.drain() },
    ],
  };
});
