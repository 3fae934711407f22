import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../log/index.ts';
import { failure, ok } from './envelope.ts';
import { handleHttpError } from './error-handler.ts';
import { registerMetrics } from './metrics.ts';
import { createValidatorCompiler } from './validation.ts';
import { registerCallerHook } from './identity.ts';
import { logRequests } from './request-log.ts';

/** Dependency name → reachable. */
export type ReadinessCheck = () => Promise<Record<string, boolean>>;

export interface HttpServerSettings {
  service: string;
  log: Logger;
  /** Dependencies `/ready` reports on. */
  readiness?: ReadinessCheck;
  /** Replaces the plain `/health` answer (the gateway aggregates its downstream services). */
  health?: () => Promise<{ healthy: boolean; body: Record<string, unknown> }>;
  bodyLimit?: number;
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** Behind the gateway: read its X-User-Id / X-User-Phone into `request.caller`. */
  callerHeaders?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's well-formed X-Request-Id so one id follows a request across every hop. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

export function createHttpServer(settings: HttpServerSettings) {
  // Typed as Fastify's base logger so route handlers keep Fastify's own types.
  const loggerInstance: FastifyBaseLogger = settings.log;
  const app = Fastify({
    loggerInstance,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    // Fastify's own request lines come in pairs and carry the query string, where a WebSocket
    // client may put its token; `logRequests` writes one line per request without it.
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      disableRequestLogging: true,
    }),
    bodyLimit: settings.bodyLimit ?? 1024 * 1024,
    trustProxy: settings.trustProxy ?? false,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  logRequests(app);
  if (settings.callerHeaders) registerCallerHook(app);
  app.setErrorHandler(handleHttpError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        failure(
          request.id,
          'NOT_FOUND',
          `Route ${request.method} ${request.url.split('?')[0]} not found`,
        ),
      ),
  );
  registerMetrics(app, settings.service);

  app.get('/health', { logLevel: 'warn' }, async (request, reply) => {
    if (!settings.health) return ok(request.id, { status: 'ok', service: settings.service });
    const { healthy, body } = await settings.health();
    const data = { status: healthy ? 'ok' : 'degraded', service: settings.service, ...body };
    if (!healthy)
      return reply
        .code(503)
        .send({ ...failure(request.id, 'SERVICE_UNAVAILABLE', 'Degraded'), data });
    return ok(request.id, data);
  });

  app.get('/ready', { logLevel: 'warn' }, async (request, reply) => {
    const checks = settings.readiness ? await settings.readiness() : {};
    const ready = Object.values(checks).every(Boolean);
    if (!ready) {
      const down = Object.keys(checks).filter((name) => !checks[name]);
      return reply.code(503).send({
        ...failure(request.id, 'SERVICE_UNAVAILABLE', `Not ready: ${down.join(', ')}`),
        data: { checks },
      });
    }
    return ok(request.id, { status: 'ready', checks });
  });

  return app;
}

export type AppInstance = ReturnType<typeof createHttpServer>;
