import { createPgPool, createRedis, waitForRedis } from '@wa/pkg/db';
import { createGrpcServer } from '@wa/pkg/grpc';
import { closeOnSignals, exitOnStartupFailure } from '@wa/pkg/http';
import { createLogger } from '@wa/pkg/log';
import { buildAuthApp } from './app.ts';
import { loadAuthConfig } from './config.ts';
import { authGrpcRoutes } from './handler/grpc-routes.ts';

const SERVICE = 'auth-service';

async function main() {
  const config = loadAuthConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const pool = createPgPool({ url: config.databaseUrl, log });
  await pool.query('SELECT 1');
  const redis = createRedis({ url: config.redisUrl, log });
  await waitForRedis(redis);

  const { app, auth } = buildAuthApp({ config, pool, redis, log });
  const grpc = createGrpcServer({ routes: authGrpcRoutes(auth), log });

  await app.listen({ port: config.http.port, host: config.http.host });
  await grpc.listen(config.grpc.port, config.grpc.host);
  log.info({ http: config.http.port, grpc: config.grpc.port }, 'auth-service listening');

  closeOnSignals(log, [
    { name: 'http', close: () => app.close() },
    { name: 'grpc', close: () => grpc.close() },
    { name: 'redis', close: () => redis.quit() },
    { name: 'postgres', close: () => pool.end() },
  ]);
}

main().catch((error: unknown) => exitOnStartupFailure(SERVICE, error));
