import * as grpc from '@grpc/grpc-js';
import { ConnectError, Code, type CallOptions, type Client } from '@connectrpc/connect';
import type { DescService } from '@bufbuild/protobuf';
import CircuitBreaker from 'opossum';
import {
  SpanKind,
  activeContext,
  contextHeaders,
  endSpan,
  isTracing,
  startSpan,
} from '../telemetry/index.ts';
import { secondsSince, type RecordCall } from './metrics.ts';
import { decoderOf, encoderOf, MAX_MESSAGE_BYTES, methodPath } from './router.ts';

type Encode = (value: unknown) => Buffer;
type Decode = (bytes: Buffer) => unknown;

export interface GrpcClientSettings {
  /** `host:port` */
  address: string;
  timeoutMs?: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage?: number;
  /** How long the breaker stays open before letting a trial call through. */
  resetTimeoutMs?: number;
  /** Every call's method, status and duration (`recordCallsInto(registry, 'client')`). */
  record?: RecordCall;
}

/** Codes that say the dependency is unhealthy; a rule violation (not found, invalid) does not count. */
const FAILURE_CODES = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
  Code.Aborted,
]);

/** A grpc-js failure as the ConnectError callers and `fromGrpcError` read: code, message, trailers. */
function fromServiceError(error: grpc.ServiceError): ConnectError {
  const metadata = new Headers();
  for (const [key, value] of Object.entries(error.metadata?.getMap() ?? {}))
    if (typeof value === 'string') metadata.set(key, value);
  return new ConnectError(error.details || error.message, error.code as number, metadata);
}

/** Header pairs as gRPC metadata. */
function metadataOf(headers: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

/**
 * A client for `service` on one channel to `address`. Every call goes through a circuit breaker,
 * so a failing dependency is answered at once with UNAVAILABLE instead of every request waiting
 * for its timeout. Calls reject with ConnectError (as connect's clients did), which
 * `fromGrpcError` turns into an AppError.
 */
export function createGrpcClient<S extends DescService>(
  service: S,
  settings: GrpcClientSettings,
): Client<S> {
  const channel = new grpc.Client(settings.address, grpc.credentials.createInsecure(), {
    // A restarted neighbour is called again within a second, not after grpc-js' default backoff
    // of up to two minutes.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
    // Its own connection: grpc-js otherwise shares one per address across clients, so a client
    // made after a neighbour came back would inherit another's backoff and fail at once.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  });
  const defaultTimeoutMs = settings.timeoutMs ?? 3_000;
  const breaker = new CircuitBreaker(
    (
      path: string,
      encode: Encode,
      decode: Decode,
      request: unknown,
      options: CallOptions | undefined,
      metadata: grpc.Metadata,
    ) =>
      new Promise<unknown>((resolve, reject) => {
        const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
        const call = channel.makeUnaryRequest(
          path,
          encode,
          decode,
          request,
          metadata,
          timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {},
          (error, response) => (error ? reject(fromServiceError(error)) : resolve(response)),
        );
        options?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
      }),
    {
      timeout: false,
      errorThresholdPercentage: settings.errorThresholdPercentage ?? 50,
      resetTimeout: settings.resetTimeoutMs ?? 5_000,
      volumeThreshold: 5,
      // Only the counts decide; latency percentiles and snapshots were CPU on every call.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (error: unknown) => !FAILURE_CODES.has(ConnectError.from(error).code),
    },
  );
  const fire = async (...args: Parameters<typeof breaker.fire>) => {
    try {
      return await breaker.fire(...args);
    } catch (error) {
      if (breaker.opened && !(error instanceof ConnectError))
        throw new ConnectError(`circuit open for ${settings.address}`, Code.Unavailable);
      throw error;
    }
  };
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    if (method.methodKind !== 'unary') continue;
    const path = methodPath(method);
    const encode = encoderOf(method.input);
    const decode = decoderOf(method.output);
    const record = settings.record;
    const spanName = `${service.typeName}/${method.name}`;
    client[method.localName] = async (request: unknown, options?: CallOptions) => {
      const started = process.hrtime.bigint();
      // The caller's trace context and request id go with the call (addenda L).
      const traced = isTracing() ? startSpan(spanName, { kind: SpanKind.CLIENT }) : undefined;
      const metadata = metadataOf(contextHeaders(traced?.context ?? activeContext()));
      try {
        const response = await fire(path, encode, decode, request, options, metadata);
        record?.(service.typeName, method.name, grpc.status.OK, secondsSince(started));
        if (traced) endSpan(traced.span);
        return response;
      } catch (error) {
        const code = ConnectError.from(error).code;
        record?.(service.typeName, method.name, code, secondsSince(started));
        if (traced) endSpan(traced.span, error);
        throw error;
      }
    };
  }
  return client as Client<S>;
}
