// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { connectPostgres, connectRedis } from '@wa/pkg/db';
import { createLogger } from '@wa/pkg/log';
import { runService } from '@wa/pkg/service';
import { buildAuthApp } from './app.ts';
import { loadAuthConfig } from './config.ts';

const SERVICE = 'auth-service';

void runService(SERVICE, async () => {
  const config = loadAuthConfig(process.env);
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const pool = await connectPostgres(config.postgres, log);
  const redis = await connectRedis(config.redisUrl, log);
  return {
    app: buildAuthApp({ config, pool, redis, log }),
    log,
    listen: config.listen,
    clients: [
      { name: 'postgres', close: () => pool.end() },
      { name: 'redis', close: () => redis.quit() },
    ],
  };
});
