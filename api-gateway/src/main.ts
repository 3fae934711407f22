// First: it instruments the database clients the imports below load (when tracing is on).
import '@wa/pkg/instrument';
import { createRedis } from '@wa/pkg/db';
import { AuthService, createGrpcClient, recordCallsInto } from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
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
  const probes = createServiceProbes(SERVICE, config.health.liveness);
  const record = recordCallsInto(probes.metrics, 'client');
  const authClient = createGrpcClient(AuthService, { ...config.grpcClients.auth, record });
  return {
    app: await buildGatewayApp({ config, redis, authClient, log, probes }),
    log,
    listen: config.listen,
    clients: [{ name: 'redis', close: () => redis.quit() }],
  };
});
