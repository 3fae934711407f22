import { connectNats } from '@wa/pkg/bus';
import { createStampWriter } from '@wa/pkg/cache';
import { connectPostgres, connectRedis } from '@wa/pkg/db';
import { UserService, createGrpcClient } from '@wa/pkg/grpc';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildChatApp } from './app.ts';
import { loadChatConfig } from './config.ts';

const SERVICE = 'chat-service';

void runService(SERVICE, async () => {
  const config = loadChatConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const pool = await connectPostgres(config.postgres, log);
  const redis = await connectRedis(config.redisUrl, log);
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  const users = createGrpcClient(UserService, config.grpcClients.user);
  return {
    app: buildChatApp({ config, pool, nc, users, stamps: createStampWriter(redis), log }),
    log,
    listen: config.listen,
    clients: [
      { name: 'postgres', close: () => pool.end() },
      { name: 'redis', close: () => redis.quit() },
      { name: 'nats', close: () => nc.drain() },
    ],
  };
});
