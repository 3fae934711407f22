import { connectNats } from '@wa/pkg/bus';
import { createRedis, waitForRedis } from '@wa/pkg/db';
import {
  AuthService,
  ChatService,
  MessageService,
  UserService,
  createGrpcClient,
} from '@wa/pkg/grpc';
import { closeOnSignals, exitOnStartupFailure } from '@wa/pkg/http';
import { createLogger } from '@wa/pkg/log';
import { buildWebSocketApp } from './app.ts';
import { loadWebSocketConfig } from './config.ts';

const SERVICE = 'websocket-service';

async function main() {
  const config = loadWebSocketConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const redis = createRedis({ url: config.redisUrl, log });
  const subscriber = createRedis({ url: config.redisUrl, log });
  await Promise.all([waitForRedis(redis), waitForRedis(subscriber)]);
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  const grpc = (address: string) => ({ address, timeoutMs: config.grpc.timeoutMs });
  const clients = {
    auth: createGrpcClient(AuthService, grpc(config.grpc.auth)),
    users: createGrpcClient(UserService, grpc(config.grpc.user)),
    chats: createGrpcClient(ChatService, grpc(config.grpc.chat)),
    messages: createGrpcClient(MessageService, grpc(config.grpc.message)),
  };

  const service = buildWebSocketApp({ config, redis, subscriber, nc, clients, log });
  await service.start();
  await service.app.listen({ port: config.http.port, host: config.http.host });
  log.info(
    { http: config.http.port, instance_id: config.instanceId },
    'websocket-service listening',
  );

  closeOnSignals(log, [
    { name: 'websocket and http', close: () => service.stop() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'redis', close: () => Promise.all([subscriber.quit(), redis.quit()]) },
  ]);
}

main().catch((error: unknown) => exitOnStartupFailure(SERVICE, error));
