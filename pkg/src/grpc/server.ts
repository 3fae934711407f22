import * as grpc from '@grpc/grpc-js';
import { Code } from '@connectrpc/connect';
import type { DescService } from '@bufbuild/protobuf';
import { UNTRACKED, type WorkTracker } from '../health/index.ts';
import type { Logger } from '../log/index.ts';
import { toConnectError } from './errors.ts';
import {
  SpanKind,
  endSpan,
  extractContext,
  isTracing,
  runInContext,
  startSpan,
} from '../telemetry/index.ts';
import { secondsSince, type RecordCall } from './metrics.ts';
import { decoderOf, encoderOf, MAX_MESSAGE_BYTES, methodPath, type GrpcRouter } from './router.ts';

export interface GrpcServerSettings {
  routes: (router: GrpcRouter) => void;
  log: Logger;
  /** Every call is reported into the service's progress watchdog (liveness). */
  progress?: WorkTracker;
  /** Every call's method, status and duration (`recordCallsInto(registry, 'server')`). */
  record?: RecordCall;
}

const NOT_RECORDED: RecordCall = () => {};

export interface GrpcServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const SERVER_FAULTS = new Set([Code.Internal, Code.Unknown, Code.Unavailable, Code.DataLoss]);
/** How long `close()` lets calls in flight finish before it cuts them off. */
const CLOSE_GRACE_MS = 5_000;

type UnaryHandler = (request: unknown) => unknown;

/**
 * A thrown error as the status the caller gets: the code, the message and our trailers (the exact
 * AppError code, the retry-after). Server faults are logged here with their cause; unknown errors
 * never leak their message.
 */
function toServiceError(error: unknown, method: string, log: Logger): Partial<grpc.ServiceError> {
  const connectError = toConnectError(error);
  const context = { method, code: connectError.code };
  if (SERVER_FAULTS.has(connectError.code)) log.error({ err: error, ...context }, 'rpc failed');
  else log.info(context, 'rpc rejected');
  const metadata = new grpc.Metadata();
  connectError.metadata.forEach((value, key) => metadata.set(key, value));
  return {
    code: connectError.code as number,
    details: connectError.rawMessage,
    metadata,
  };
}

/** One service's unary methods as a grpc-js definition and its handlers. */
function serviceOf(
  service: DescService,
  implementation: Record<string, UnaryHandler | undefined>,
  log: Logger,
  progress: WorkTracker,
  record: RecordCall,
) {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handle = implementation[method.localName];
    if (method.methodKind !== 'unary' || !handle) continue;
    definition[method.name] = {
      path: methodPath(method),
      requestStream: false,
      responseStream: false,
      requestDeserialize: decoderOf(method.input),
      requestSerialize: encoderOf(method.input),
      responseSerialize: encoderOf(method.output),
      responseDeserialize: decoderOf(method.output),
    };
    handlers[method.name] = ((
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const done = progress.begin();
      const started = process.hrtime.bigint();
      // The caller's trace context and request id (addenda L); a server span when tracing.
      const parent = extractContext(call.metadata.getMap());
      const traced = isTracing()
        ? startSpan(`${service.typeName}/${method.name}`, { kind: SpanKind.SERVER, parent })
        : undefined;
      // An async function, so a handler that throws before its first await rejects like any other.
      runInContext(traced?.context ?? parent, async () =>
        handle.call(implementation, call.request),
      ).then(
        (response) => {
          done();
          record(service.typeName, method.name, grpc.status.OK, secondsSince(started));
          if (traced) endSpan(traced.span);
          callback(null, response);
        },
        (error: unknown) => {
          done();
          const status = toServiceError(error, method.name, log);
          const code = status.code ?? grpc.status.UNKNOWN;
          record(service.typeName, method.name, code, secondsSince(started));
          if (traced) endSpan(traced.span, error);
          callback(status);
        },
      );
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  return { definition, handlers };
}

/** A plain-HTTP/2 gRPC server (any gRPC client, grpcurl included, can call it). */
export function createGrpcServer({
  routes,
  log,
  progress = UNTRACKED,
  record = NOT_RECORDED,
}: GrpcServerSettings): GrpcServer {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  const router: GrpcRouter = {
    service(service, implementation) {
      const { definition, handlers } = serviceOf(
        service,
        implementation as Record<string, UnaryHandler | undefined>,
        log,
        progress,
        record,
      );
      server.addService(definition, handlers);
      return router;
    },
  };
  routes(router);
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.bindAsync(
          `${host.includes(':') ? `[${host}]` : host}:${port}`,
          grpc.ServerCredentials.createInsecure(),
          (error, bound) => (error ? reject(error) : resolve(bound)),
        );
      }),
    close: () =>
      new Promise((resolve) => {
        const cutOff = setTimeout(() => server.forceShutdown(), CLOSE_GRACE_MS);
        cutOff.unref();
        server.tryShutdown(() => {
          clearTimeout(cutOff);
          resolve();
        });
      }),
  };
}
