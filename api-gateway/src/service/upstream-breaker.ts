import CircuitBreaker from 'opossum';

export interface UpstreamBreakerSettings {
  /** How long the breaker stays open before one trial request goes through. */
  resetMs: number;
  /** Failure percentage over the rolling window that opens it. */
  errorThresholdPercentage?: number;
  /** Requests in the window before the percentage counts at all. */
  volumeThreshold?: number;
}

/** How one proxied request ended, as far as the upstream's health goes. */
export interface ProxyAttempt {
  /** The upstream answered (whatever its status), or the gateway itself cut the request short. */
  answered(): void;
  /** The upstream could not be reached, reset the connection or did not answer in time. */
  failed(error: Error): void;
}

export interface UpstreamBreaker {
  /**
   * Runs `forward` unless the upstream has been failing; `forward` reports how its request ended
   * through the attempt. Resolves false when the breaker refused the request without calling it.
   */
  run(forward: (attempt: ProxyAttempt) => void): Promise<boolean>;
  readonly retryAfterSeconds: number;
  readonly opened: boolean;
}

/**
 * One breaker per upstream service: once most recent requests to it failed at the transport
 * level, the next ones are answered 503 at once instead of each waiting for the upstream timeout.
 * Only transport failures count, so no client can open it for everyone by sending bad requests.
 */
export function createUpstreamBreaker(settings: UpstreamBreakerSettings): UpstreamBreaker {
  const breaker = new CircuitBreaker(
    (forward: (attempt: ProxyAttempt) => void) =>
      new Promise<void>((resolve, reject) => forward({ answered: resolve, failed: reject })),
    {
      timeout: false,
      resetTimeout: settings.resetMs,
      errorThresholdPercentage: settings.errorThresholdPercentage ?? 50,
      volumeThreshold: settings.volumeThreshold ?? 5,
      rollingCountTimeout: 10_000,
    },
  );
  return {
    async run(forward) {
      try {
        await breaker.fire(forward);
        return true;
      } catch (error) {
        // The failure of a request that went through was already answered by the proxy.
        return (error as { code?: string }).code !== 'EOPENBREAKER';
      }
    },
    retryAfterSeconds: Math.max(1, Math.ceil(settings.resetMs / 1000)),
    get opened() {
      return breaker.opened;
    },
  };
}
