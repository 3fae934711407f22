import cors from '@fastify/cors';
import { createTokenBuckets } from '@wa/pkg/cache';
import type { Redis } from '@wa/pkg/db';
import { createServiceProbes, type ServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import type { ServiceApp } from '@wa/pkg/service';
import type { GatewayConfig } from './config.ts';
import {
  corsOptions,
  registerIdentityStripping,
  registerIpRateLimit,
} from './handler/gateway-hooks.ts';
import { registerApiProxies } from './handler/proxy-routes.ts';
import { registerConsoleRoutes } from './handler/console-routes.ts';
import { registerDocsRoutes } from './handler/docs-routes.ts';
import { registerWebSocketProxy } from './handler/websocket-proxy.ts';
import { createAuthTokenSource, type AuthClient } from './repository/auth-remote.ts';
import { createHealthAggregator } from './service/health-aggregator.ts';
import { createRateLimiter } from './service/rate-limiter.ts';
import { createTokenVerifier } from './service/token-verifier.ts';
import { createUpstreamBreaker, type UpstreamBreaker } from './service/upstream-breaker.ts';
import { SERVICE_NAMES, type ServiceName } from './model/routes.ts';

export interface GatewayAppDeps {
  config: GatewayConfig;
  redis: Redis;
  authClient: AuthClient;
  log: Logger;
  /** The service's probes, when main made them first (its gRPC client reports into them). */
  probes?: ServiceProbes;
}

/** Builds the gateway without listening; tests call it with their own Redis, auth stand-in and upstreams. */
export async function buildGatewayApp({ config, redis, authClient, log, ...deps }: GatewayAppDeps) {
  const tokenSource = createAuthTokenSource(authClient);
  const tokens = createTokenVerifier({
    source: tokenSource,
    maxEntries: config.tokenCache.maxEntries,
    ttlMs: config.tokenCache.ttlMs,
  });
  const limiter = createRateLimiter({
    buckets: createTokenBuckets(redis),
    log,
    ...config.rateLimit,
  });
  const health = createHealthAggregator({
    services: config.services,
    timeoutMs: config.healthTimeoutMs,
  });

  const probes = deps.probes ?? createServiceProbes('api-gateway', config.health.liveness);
  const app = createHttpServer({
    service: 'api-gateway',
    log,
    probes,
    trustProxy: config.trustProxy,
    // Redis is left out on purpose: the rate limiter fails open, so the gateway still serves
    // without it, and taking every replica out of rotation would turn a limiter outage into an API outage.
    readiness: { 'auth-service': () => tokenSource.ping() },
    readinessTimeoutMs: config.health.readinessTimeoutMs,
    // Liveness stays 200 while a downstream is down (restarting the gateway would not help);
    // the body says "degraded" and which service is down.
    health: async () => ({ ...(await health.check()) }),
  });

  // Hook order matters: strip identity, answer CORS (and preflights), then the IP bucket;
  // the token check and the user bucket run inside the API routes.
  registerIdentityStripping(app);
  await app.register(cors, corsOptions(config.cors.origins));
  registerIpRateLimit(app, limiter);

  const proxyDeps = {
    services: config.services,
    tokens,
    limiter,
    timeoutMs: config.upstreamTimeoutMs,
    maxPayloadBytes: config.websocket.maxPayloadBytes,
    bodyLimits: config.bodyLimits,
    breakers: Object.fromEntries(
      SERVICE_NAMES.map((name) => [
        name,
        createUpstreamBreaker({ resetMs: config.breakerResetMs }),
      ]),
    ) as Record<ServiceName, UpstreamBreaker>,
    log,
  };
  registerApiProxies(app, proxyDeps);
  registerWebSocketProxy(app, proxyDeps);
  registerConsoleRoutes(app, config.console);
  registerDocsRoutes(app);
  return { http: app, workers: [], services: { tokens, limiter }, probes } satisfies ServiceApp;
}
