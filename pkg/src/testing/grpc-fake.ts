import type { DescMessage, DescMethodUnary, DescService, MessageShape } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { createGrpcServer, type GrpcRouter, type GrpcServer } from '../grpc/index.ts';
import { createLogger } from '../log/index.ts';

type RequestOf<M> =
  M extends DescMethodUnary<infer I extends DescMessage> ? MessageShape<I> : never;

/** Every request each method received, oldest first (`calls.getUsers.length` counts them). */
export type FakeCalls<S extends DescService> = {
  [K in keyof S['method']]: RequestOf<S['method'][K]>[];
};

export type FakeImpl<S extends DescService> = Partial<ServiceImpl<S>>;

export interface GrpcFake<S extends DescService> {
  /** `127.0.0.1:port`, what a `<NAME>_GRPC_ADDR` or `createGrpcClient` takes. */
  address: string;
  calls: FakeCalls<S>;
  /** Replaces some methods' answers from now on (a test changing what the neighbour says). */
  implement(implementation: FakeImpl<S>): void;
  /** Stops answering: callers get connection refused, as when the neighbour is down. */
  stop(): Promise<void>;
  /** Listens again on the same port after `stop()`; a no-op while it runs. */
  start(): Promise<void>;
  /** Stops it for good; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A neighbouring service as a real gRPC server in the test process, answering with the
 * implementation the test gives. It runs on `createGrpcServer`, so a thrown AppError reaches the
 * caller with exactly the status production sends; a method not given answers UNIMPLEMENTED.
 * Only unary methods exist in our protos, so only those are faked.
 */
export async function startGrpcFake<S extends DescService>(
  service: S,
  implementation: FakeImpl<S>,
): Promise<GrpcFake<S>> {
  const current: Record<string, unknown> = { ...implementation };
  const calls: Record<string, unknown[]> = {};
  const recorded: Record<string, (request: unknown, context: unknown) => unknown> = {};
  for (const method of service.methods) {
    if (method.methodKind !== 'unary') continue;
    const name = method.localName;
    calls[name] = [];
    recorded[name] = (request, context) => {
      calls[name].push(request);
      const impl = current[name] as ((req: unknown, ctx: unknown) => unknown) | undefined;
      if (!impl)
        throw new ConnectError(`${service.typeName}.${method.name} not faked`, Code.Unimplemented);
      return impl(request, context);
    };
  }
  const routes = (router: GrpcRouter) =>
    router.service(service, recorded as unknown as FakeImpl<S>);
  // Rejections and failures are the test's business; logged only when TEST_LOG_LEVEL asks.
  const log = createLogger({
    service: `fake-${service.name}`,
    level: process.env.TEST_LOG_LEVEL ?? 'silent',
  });

  let server: GrpcServer | undefined = createGrpcServer({ routes, log });
  const port = await server.listen(0, '127.0.0.1');
  const stop = async () => {
    const running = server;
    server = undefined;
    await running?.close();
  };
  return {
    address: `127.0.0.1:${port}`,
    calls: calls as FakeCalls<S>,
    implement: (more) => Object.assign(current, more),
    stop,
    async start() {
      if (server) return;
      server = createGrpcServer({ routes, log });
      await server.listen(port, '127.0.0.1');
    },
    close: stop,
  };
}
