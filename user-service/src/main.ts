// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { connectNats, createStreamPublisher } from '@wa/pkg/bus';
import { connectPostgres, connectRedis } from '@wa/pkg/db';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildUserApp } from './app.ts';
import { loadUserConfig } from './config.ts';

const SERVICE = 'user-service';

void runService(SERVICE, async () => {
  const config = loadUserConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const pool = await connectPostgres(config.postgres, log);
  const redis = await connectRedis(config.redisUrl, log);
  const nc = await connectNats({ url: config.nats.url, name: SERVICE, log });
  return {
    app: buildUserApp({ config, pool, redis, js: createStreamPublisher(nc), log }),
    log,
    listen: config.listen,
    clients: [
      { name: 'postgres', close: () => pool.end() },
      { name: 'redis', close: () => redis.quit() },
      { name: 'nats', close: () => nc.drain() },
    ],
  };
});
