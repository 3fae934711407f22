import {
  context,
  propagation,
  trace,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  createContextKey,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { tracesEndpoint } from './endpoint.ts';

/*
 * Addenda L: W3C trace context and the request id travel on every hop (HTTP headers, gRPC
 * metadata, NATS headers). The context (and with it the request id) always flows through
 * AsyncLocalStorage; spans are recorded and exported only when an OTLP endpoint is configured by
 * the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
 * so tracing costs nothing when it is off. OpenTelemetry's API is process-wide by design.
 */

export { SpanKind, SpanStatusCode, type Context, type Link, type Span };

const REQUEST_ID = createContextKey('wa.request_id');
export const REQUEST_ID_HEADER = 'x-request-id';
const TRACER_NAME = 'wa-backend';

let recording = false;

export interface Tracing {
  /** Whether spans are recorded and exported. */
  readonly enabled: boolean;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Sets up propagation for `service`, and span export when an OTLP endpoint is configured. */
export function startTracing(
  service: string,
  env: Record<string, string | undefined> = process.env,
): Tracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (!tracesEndpoint(env)) return { enabled: false, shutdown: async () => {} };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || service }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  trace.setGlobalTracerProvider(provider);
  recording = true;
  return { enabled: true, shutdown: () => provider.shutdown() };
}

/** Whether spans are recorded: callers skip building a span's attributes when they are not. */
export const isTracing = (): boolean => recording;

const tracer = () => trace.getTracer(TRACER_NAME);

type Carrier = Record<string, unknown>;

const getter = {
  keys: (carrier: Carrier) => Object.keys(carrier),
  get: (carrier: Carrier, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value)
      ? (value as string | string[])
      : undefined;
  },
};

/** The context a remote caller sent (`traceparent`, and the request id) in headers or metadata. */
export function extractContext(carrier: Carrier, requestId?: string): Context {
  // Without spans nothing reads a parent: only the request id is carried (the W3C parse is CPU
  // on every request, call and event).
  const extracted = recording ? propagation.extract(ROOT_CONTEXT, carrier, getter) : ROOT_CONTEXT;
  const header = getter.get(carrier, REQUEST_ID_HEADER);
  const id = requestId ?? (Array.isArray(header) ? header[0] : header);
  return id ? extracted.setValue(REQUEST_ID, id) : extracted;
}

/** A request id read from its carrier only when something asks for it. */
type DeferredRequestId = () => string | undefined;

function requestIdIn(ctx: Context): string | undefined {
  const id = ctx.getValue(REQUEST_ID);
  if (typeof id === 'function') return (id as DeferredRequestId)();
  return typeof id === 'string' ? id : undefined;
}

/**
 * `extractContext` for a carrier that costs to read (NATS decodes a message's headers on first
 * access, for every event): while spans are not recorded only the request id matters, and it is
 * read when first asked for (a call or publish onward), which most handlers never make.
 */
export function extractContextWhenAsked(readCarrier: () => Carrier): Context {
  if (recording) return extractContext(readCarrier());
  let read = false;
  let id: string | undefined;
  const deferred: DeferredRequestId = () => {
    if (!read) {
      read = true;
      const header = getter.get(readCarrier(), REQUEST_ID_HEADER);
      id = Array.isArray(header) ? header[0] : header;
    }
    return id;
  };
  return ROOT_CONTEXT.setValue(REQUEST_ID, deferred);
}

/** `traceparent` (when tracing) and `x-request-id` of `ctx` for the next hop, as header pairs. */
export function contextHeaders(ctx: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  if (recording) propagation.inject(ctx, headers);
  const requestId = requestIdIn(ctx);
  if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
  return headers;
}

/** The request id of the work in hand, when it came from a request. */
export function currentRequestId(): string | undefined {
  return requestIdIn(context.active());
}

/** No trace and no request id: for work no request started (a swept outbox event). */
export const EMPTY_CONTEXT: Context = ROOT_CONTEXT;

/** The context in hand (to carry work on later, e.g. an outbox event published after commit). */
export const activeContext = (): Context => context.active();

export interface SpanOptions {
  kind: SpanKind;
  parent?: Context;
  links?: Link[];
  attributes?: Record<string, string | number | boolean>;
}

/** Starts a span (a no-op one when tracing is off); end it yourself. */
export function startSpan(name: string, options: SpanOptions): { span: Span; context: Context } {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind, links: options.links, attributes: options.attributes },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `work` in `ctx`: what it starts (calls, publishes) carries it on. */
export const runInContext = <T>(ctx: Context, work: () => T): T => context.with(ctx, work);

/** Ends `span` with the error recorded, when there is one. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : JSON.stringify(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** The span context of `ctx` as a link (a consumer's link to its producer). */
export function linkTo(ctx: Context): Link[] {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext ? [{ context: spanContext }] : [];
}
