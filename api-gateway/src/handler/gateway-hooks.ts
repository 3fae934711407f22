import type { FastifyCorsOptions } from '@fastify/cors';
import {
  OPERATIONAL_PATHS,
  USER_ID_HEADER,
  USER_PHONE_HEADER,
  pathOf,
  type AppInstance,
} from '@wa/pkg/http';
import type { RateLimiter } from '../service/rate-limiter.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` on static pages (the web console): only the API they call counts against the IP. */
    ipRateLimit?: false;
  }
}

/** Addenda A: identity headers come only from the gateway, so a client's copy never gets past here. */
export function registerIdentityStripping(app: AppInstance): void {
  app.addHook('onRequest', async (request) => {
    delete request.raw.headers[USER_ID_HEADER];
    delete request.raw.headers[USER_PHONE_HEADER];
  });
}

/**
 * PRD §11.3 per-IP bucket on every request but the probes. Registered after CORS so a 429 still
 * carries the CORS headers a browser needs to read it; preflights are answered by the CORS hook
 * before this one and never reach an upstream.
 */
export function registerIpRateLimit(app: AppInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request) => {
    if (OPERATIONAL_PATHS.has(pathOf(request.url))) return;
    if (request.routeOptions.config.ipRateLimit === false) return;
    await limiter.checkIp(request.ip);
  });
}

/**
 * PRD §11.4, plus PUT (the user-service uses it). Browsers reject `*` together with credentials,
 * so "any origin" reflects the request's Origin instead. Non-preflight OPTIONS requests get the
 * same 204 rather than a plain-text 400.
 */
export function corsOptions(origins: '*' | readonly string[]): FastifyCorsOptions {
  return {
    origin: origins === '*' ? true : [...origins],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    credentials: true,
    maxAge: 12 * 60 * 60,
    strictPreflight: false,
  };
}
