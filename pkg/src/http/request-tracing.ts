import type { FastifyInstance } from 'fastify';
import {
  SpanKind,
  endSpan,
  extractContext,
  isTracing,
  runInContext,
  startSpan,
  type Context,
  type Span,
} from '../telemetry/index.ts';
import { OPERATIONAL_PATHS } from './request-log.ts';

interface Traced {
  context: Context;
  span?: Span;
}

const traced = new WeakMap<object, Traced>();

/** The trace context of a request (the caller's, with this server's span when tracing). */
export function requestContextOf(request: object): Context | undefined {
  return traced.get(request)?.context;
}

/**
 * Addenda L on the HTTP edge: the caller's `traceparent` and request id become the request's
 * context, with a server span when tracing; the handler runs in it, so the gRPC calls and events
 * it starts carry both on. The handler is entered from preHandler, after the body was read: the
 * socket's data events would not carry the context from onRequest. Probes (/health, /ready,
 * /metrics) get no span: polled every few seconds, each would be a trace of its own (the
 * gateway's /health one with a call to every service), burying the traces worth reading.
 */
export function traceRequests(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = extractContext(request.headers, request.id);
    if (!isTracing()) {
      traced.set(request, { context: parent });
      return done();
    }
    const route = request.routeOptions.url ?? 'unmatched';
    if (OPERATIONAL_PATHS.has(route)) {
      traced.set(request, { context: parent });
      return done();
    }
    const { span, context } = startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      parent,
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'request.id': request.id,
      },
    });
    traced.set(request, { context, span });
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const entry = traced.get(request);
    if (entry) runInContext(entry.context, done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = traced.get(request)?.span;
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      endSpan(span, reply.statusCode >= 500 ? `HTTP ${reply.statusCode}` : undefined);
    }
    done();
  });
}
