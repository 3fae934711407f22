import { randomUUID } from 'node:crypto';
import { traceRequests } from './request-tracing.ts';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../log/index.ts';
import {
  createReadiness,
  createServiceProbes,
  type ReadinessChecks,
  type ServiceProbes,
} from '../health/index.ts';
import { failure, ok } from './envelope.ts';
import { answerClientError } from './client-error.ts';
import { handleHttpError } from './error-handler.ts';
import { trackHandlers } from './handler-progress.ts';
import { registerMetrics } from './metrics.ts';
import { createValidatorCompiler } from './validation.ts';
import { registerCallerHook } from './identity.ts';
import { refuseUnacceptableText } from './text-check.ts';
import { logRequests } from './request-log.ts';

export interface HttpServerSettings {
  service: string;
  log: Logger;
  /**
   * The service's watchdog (`/health`) and metrics registry (`/metrics`), shared with its gRPC
   * server, consumers and stores; a fresh pair with default bounds when not given.
   */
  probes?: ServiceProbes;
  /** Dependencies `/ready` pings, by name, in parallel. */
  readiness?: ReadinessChecks;
  /** Longest wait for one readiness ping (default 2 s). */
  readinessTimeoutMs?: number;
  /** Adds to the `/health` answer of a live service (the gateway reports its downstream services). */
  health?: () => Promise<Record<string, unknown>>;
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
    // A URL the router cannot decode, or a path segment over its length limit, gets the envelope too.
    frameworkErrors: (error, request, reply) => {
      handleHttpError(error, request, reply);
    },
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const probes = settings.probes ?? createServiceProbes(settings.service);
  const { watchdog } = probes;
  app.addHook('onReady', async () => watchdog.start());
  app.addHook('onClose', async () => watchdog.stop());
  trackHandlers(app, watchdog.tracker('http'));

  app.setValidatorCompiler(createValidatorCompiler());
  traceRequests(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  logRequests(app);
  if (settings.callerHeaders) registerCallerHook(app);
  refuseUnacceptableText(app);
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
  registerMetrics(app, probes.metrics);

  // Liveness: 503 only when the service cannot make progress (restarting it would help); a
  // dependency that is down is readiness' business.
  app.get('/health', { logLevel: 'warn' }, async (request, reply) => {
    const problems = watchdog.problems();
    if (problems.length > 0) {
      const reasons = problems.map((problem) => `${problem.field} ${problem.message}`);
      request.log.error({ problems }, 'liveness failed');
      return reply
        .code(503)
        .send(
          failure(request.id, 'SERVICE_UNAVAILABLE', `Not live: ${reasons.join('; ')}`, problems),
        );
    }
    const extra = settings.health ? await settings.health() : {};
    return ok(request.id, { status: 'ok', service: settings.service, ...extra });
  });

  const readiness = createReadiness(settings.readiness ?? {}, settings.readinessTimeoutMs);
  app.get('/ready', { logLevel: 'warn' }, async (request, reply) => {
    const { ready, checks } = await readiness.check();
    if (ready) return ok(request.id, { status: 'ready', checks });
    const down = Object.entries(checks).filter(([, outcome]) => outcome !== 'ok');
    return reply.code(503).send(
      failure(
        request.id,
        'SERVICE_UNAVAILABLE',
        `Not ready: ${down.map(([name, outcome]) => `${name} ${outcome}`).join(', ')}`,
        down.map(([field, message]) => ({ field, message })),
      ),
    );
  });

  return app;
}

export type AppInstance = ReturnType<typeof createHttpServer>;
