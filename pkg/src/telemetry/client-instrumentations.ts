import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
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

/** A key's leading name segments (`push:done:…`); the ids, phones and tokens after them are left out. */
function keyPattern(key: string): string {
  const parts = key.split(':');
  const named = parts.findIndex((part) => !/^[a-z_-]+$/.test(part));
  return named === -1 ? key : [...parts.slice(0, named), '…'].join(':');
}

/**
 * A Redis span's statement: the command and the pattern of its key, never a value. (The default
 * keeps every argument of EVAL, and a push window's script is handed the message preview.)
 */
export function redisStatement(command: string, args: unknown[]): string {
  if (args.length === 0 || /^(eval|evalsha|fcall)/i.test(command)) return command;
  const key = typeof args[0] === 'string' ? keyPattern(args[0]) : '?';
  return args.length > 1 ? `${command} ${key} [${args.length - 1} more]` : `${command} ${key}`;
}

/**
 * Client spans: the PostgreSQL, Redis and MongoDB drivers, undici (fetch) and node:http(s)
 * requests (the media-service's S3 client, the notification-service's FCM calls). Incoming HTTP
 * stays with our own request spans (pkg/src/http). Only work some span already traces is
 * recorded: pings, pool connects, the outbox sweeps and other background traffic would each make
 * a root trace of their own. Statements are recorded without values (SQL with its placeholders,
 * Mongo values masked, Redis key patterns); parameters and headers never are.
 */
export function instrumentClients(): void {
  registerInstrumentations({
    instrumentations: [
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({
        requireParentSpan: true,
        dbStatementSerializer: redisStatement,
      }),
      new MongoDBInstrumentation({ requireParentSpan: true }),
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: true,
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({
        requireParentforSpans: true,
        ignoreRequestHook: (request) => carriesTraceparent(request as UndiciRequest),
      }),
    ],
  });
  // The hooks patch a module when it is require()d. An ESM import of a CommonJS package loads
  // its entry file without them, so only what that file requires in turn is seen (pg and
  // mongodb are patched there), and an ESM import of a built-in not at all. Required here, these
  // are patched once, and the services' imports share the same module objects.
  const load = createRequire(import.meta.url);
  for (const name of ['ioredis', 'http', 'https']) load(name);
}
