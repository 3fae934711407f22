import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { UNTRACKED, type WorkTracker } from '../health/index.ts';
import type { Logger } from '../log/index.ts';
import { toConnectError } from './errors.ts';

export interface GrpcServerSettings {
  routes: (router: ConnectRouter) => void;
  log: Logger;
  /** Every call is reported into the service's progress watchdog (liveness). */
  progress?: WorkTracker;
}

export interface GrpcServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const SERVER_FAULTS = new Set([Code.Internal, Code.Unknown, Code.Unavailable, Code.DataLoss]);

/** Logs failures and turns every thrown error into a proper gRPC status, as the HTTP error handler does. */
function errorInterceptor(log: Logger): Interceptor {
  return (next) => async (request) => {
    try {
      return await next(request);
    } catch (error) {
      const connectError = toConnectError(error);
      const context = { method: request.method.name, code: connectError.code };
      if (SERVER_FAULTS.has(connectError.code)) log.error({ err: error, ...context }, 'rpc failed');
      else log.info(context, 'rpc rejected');
      throw connectError;
    }
  };
}

/** Counts a call in flight from its start until its answer (or error) is ready. */
function progressInterceptor(progress: WorkTracker): Interceptor {
  return (next) => async (request) => {
    const done = progress.begin();
    try {
      return await next(request);
    } finally {
      done();
    }
  };
}

/** A plain-HTTP/2 gRPC server (any gRPC client, grpcurl included, can call it). */
export function createGrpcServer({
  routes,
  log,
  progress = UNTRACKED,
}: GrpcServerSettings): GrpcServer {
  const handler = connectNodeAdapter({
    routes,
    grpc: true,
    grpcWeb: false,
    connect: false,
    interceptors: [progressInterceptor(progress), errorInterceptor(log)],
  });
  const server = http2.createServer(handler);
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Open HTTP/2 sessions would keep close() waiting forever; ask them to finish.
        server.emit('close-sessions');
      }),
  };
}
