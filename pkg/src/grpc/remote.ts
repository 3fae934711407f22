import type { DescService } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import { fromGrpcError } from './errors.ts';

/**
 * Another service's gRPC client, named. Every call through `call` rejects with an AppError
 * (the remote's own code, or SERVICE_UNAVAILABLE naming the dependency), so adapters never
 * write their own try/catch around `fromGrpcError`.
 */
export interface Remote<S extends DescService> {
  readonly dependency: string;
  call<T>(request: (client: Client<S>) => Promise<T>): Promise<T>;
}

export function createRemote<S extends DescService>(
  dependency: string,
  client: Client<S>,
): Remote<S> {
  return {
    dependency,
    async call(request) {
      try {
        return await request(client);
      } catch (error) {
        throw fromGrpcError(error, dependency);
      }
    },
  };
}
