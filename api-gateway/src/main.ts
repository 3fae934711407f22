import { createRedis } from '@wa/pkg/db';
import { AuthService, createGrpcClient } from '@wa/pkg/grpc';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildGatewayApp } from './app.ts';
import { loadGatewayConfig } from './config.ts';

const SERVICE = 'api-gateway';

void runService(SERVICE, async () => {
  const config = loadGatewayConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  // Not awaited: the rate limiter fails open, so a Redis outage must not keep the gateway from starting.
  const redis = createRedis({ url: config.redisUrl, log });
  const authClient = createGrpcClient(AuthService, config.grpcClients.auth);
  return {
    app: await buildGatewayApp({ config, redis, authClient, log }),
    log,
    listen: config.listen,
    clients: [{ name: 'redis', close: () => redis.quit() }],
  };
});
