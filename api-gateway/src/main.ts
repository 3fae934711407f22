import { createRedis } from '@wa/pkg/db';
import { AuthService, createGrpcClient } from '@wa/pkg/grpc';
import { closeOnSignals, exitOnStartupFailure } from '@wa/pkg/http';
import { createLogger } from '@wa/pkg/log';
import { buildGatewayApp } from './app.ts';
import { loadGatewayConfig } from './config.ts';

const SERVICE = 'api-gateway';

async function main() {
  const config = loadGatewayConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  // Not awaited: the rate limiter fails open, so a Redis outage must not keep the gateway from starting.
  const redis = createRedis({ url: config.redisUrl, log });
  const authClient = createGrpcClient(AuthService, { address: config.authGrpcAddress });

  const app = await buildGatewayApp({ config, redis, authClient, log });
  await app.listen({ port: config.http.port, host: config.http.host });
  log.info({ http: config.http.port }, 'api-gateway listening');

  closeOnSignals(log, [
    { name: 'http', close: () => app.close() },
    { name: 'redis', close: () => redis.quit() },
  ]);
}

main().catch((error: unknown) => exitOnStartupFailure(SERVICE, error));
