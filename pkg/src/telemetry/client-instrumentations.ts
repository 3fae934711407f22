import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** The request as undici's diagnostics channel hands it over: headers as raw text or pairs. */
interface UndiciRequest {
  headers: string | string[];
}

/** Whether the caller already put its own trace context on the request (the gateway's proxy). */
function carriesTraceparent({ headers }: UndiciRequest): boolean {
  if (typeof headers === 'string') return /(^|\n)traceparent:/i.test(headers);
  return headers.some((value, index) => index % 2 === 0 && value.toLowerCase() === 'traceparent');
}

/**
 * Spans for the PostgreSQL, Redis and MongoDB clients and for undici (fetch, the gateway's proxy).
 * Only work some span already traces is recorded: pings, pool connects, the outbox sweeps and
 * other background traffic would each make a root trace of their own. Statements are recorded
 * as the drivers send them (placeholders, Mongo values masked); parameters never are.
 */
export function instrumentClients(): void {
  registerInstrumentations({
    instrumentations: [
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new MongoDBInstrumentation({ requireParentSpan: true }),
      new UndiciInstrumentation({
        requireParentforSpans: true,
        ignoreRequestHook: (request) => carriesTraceparent(request as UndiciRequest),
      }),
    ],
  });
  // The hooks patch a package when it is require()d. An ESM import of a CommonJS package loads
  // its entry file without them, so only what that file requires in turn is seen: pg and
  // mongodb are patched there, ioredis only on its entry. Required here, it is patched once, and
  // the services' imports share the same module object.
  createRequire(import.meta.url)('ioredis');
}
