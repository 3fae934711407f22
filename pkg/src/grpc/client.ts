import {
  ConnectError,
  Code,
  createClient,
  type Client,
  type Interceptor,
} from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { DescService } from '@bufbuild/protobuf';
import CircuitBreaker from 'opossum';

export interface GrpcClientSettings {
  /** `host:port` */
  address: string;
  timeoutMs?: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage?: number;
  /** How long the breaker stays open before letting a trial call through. */
  resetTimeoutMs?: number;
}

/** Codes that say the dependency is unhealthy; a rule violation (not found, invalid) does not count. */
const FAILURE_CODES = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
  Code.Aborted,
]);

/**
 * Wraps every call in a circuit breaker, so a failing dependency is answered at once with
 * UNAVAILABLE instead of every request waiting for its timeout.
 */
function circuitBreakerInterceptor(settings: GrpcClientSettings): Interceptor {
  type Next = Parameters<Interceptor>[0];
  type Request = Parameters<Next>[0];
  const breaker = new CircuitBreaker((next: Next, request: Request) => next(request), {
    timeout: false,
    errorThresholdPercentage: settings.errorThresholdPercentage ?? 50,
    resetTimeout: settings.resetTimeoutMs ?? 5_000,
    volumeThreshold: 5,
    errorFilter: (error: unknown) => !FAILURE_CODES.has(ConnectError.from(error).code),
  });
  return (next) => async (request) => {
    try {
      return await breaker.fire(next, request);
    } catch (error) {
      if (breaker.opened && !(error instanceof ConnectError)) {
        throw new ConnectError(`circuit open for ${settings.address}`, Code.Unavailable);
      }
      throw error;
    }
  };
}

export function createGrpcClient<S extends DescService>(
  service: S,
  settings: GrpcClientSettings,
): Client<S> {
  const transport = createGrpcTransport({
    baseUrl: `http://${settings.address}`,
    defaultTimeoutMs: settings.timeoutMs ?? 3_000,
    // Calls stay inside the cluster: compressing answers would cost both ends CPU for nothing.
    acceptCompression: [],
    interceptors: [circuitBreakerInterceptor(settings)],
  });
  return createClient(service, transport);
}
