import { connectNats, createOutbox, jetstream } from '@wa/pkg/bus';
import { createPgPool, createRedis, waitForRedis } from '@wa/pkg/db';
import { createGrpcServer } from '@wa/pkg/grpc';
import { closeOnSignals, exitOnStartupFailure } from '@wa/pkg/http';
import { createLogger } from '@wa/pkg/log';
import { buildUserApp } from './app.ts';
import { loadUserConfig } from './config.ts';
import { userGrpcRoutes } from './handler/grpc-routes.ts';

const SERVICE = 'user-service';

async function main() {
  const config = loadUserConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const pool = createPgPool({ url: config.databaseUrl, max: config.databasePoolMax, log });
  await pool.query('SELECT 1');
  const redis = createRedis({ url: config.redisUrl, log });
  await waitForRedis(redis);

  const nc = await connectNats({ url: config.natsUrl, name: SERVICE, log });
  const outbox = createOutbox({ pool, js: jetstream(nc), log, table: config.outboxTable });

  const { app, services } = buildUserApp({ config, pool, redis, events: outbox, log });
  const grpc = createGrpcServer({ routes: userGrpcRoutes(services), log });

  await app.listen({ port: config.http.port, host: config.http.host });
  await grpc.listen(config.grpc.port, config.grpc.host);
  outbox.start();
  log.info({ http: config.http.port, grpc: config.grpc.port }, 'user-service listening');

  closeOnSignals(log, [
    { name: 'http', close: () => app.close() },
    { name: 'grpc', close: () => grpc.close() },
    {
      name: 'outbox',
      close: async () => {
        await outbox.stop();
        await outbox.flush(); // what is still pending waits for the next instance if this fails
      },
    },
    { name: 'nats', close: () => nc.drain() },
    { name: 'redis', close: () => redis.quit() },
    { name: 'postgres', close: () => pool.end() },
  ]);
}

main().catch((error: unknown) => exitOnStartupFailure(SERVICE, error));
