import type { Logger } from '../log/index.ts';
import { startTracing } from '../telemetry/index.ts';
import { startService, type StartSettings } from './start.ts';
import type { ServiceApp } from './types.ts';

export interface ServiceParts extends StartSettings {
  app: ServiceApp;
}

export interface RunOptions {
  /** A shutdown that takes longer is cut off and the process exits 1. */
  shutdownTimeoutMs?: number;
}

/**
 * The whole life of a service process: `wire()` loads config, connects clients and builds the app;
 * then the servers listen and, on SIGTERM/SIGINT, everything stops in the house order and the
 * process exits. A failure before listening is one clear line on stderr and exit code 1.
 */
export async function runService(
  name: string,
  wire: () => Promise<ServiceParts>,
  options: RunOptions = {},
): Promise<void> {
  let log: Logger | undefined;
  try {
    // Before anything connects: every call and publish from here on carries the trace context.
    const tracing = startTracing(name);
    const parts = await wire();
    log = parts.log;
    const running = await startService(parts.app, parts);
    log.info(
      { http: running.httpPort, grpc: running.grpcPort, tracing: tracing.enabled },
      `${name} listening`,
    );
    const stop = () => running.stop().finally(() => tracing.shutdown().catch(() => undefined));
    stopOnSignals(log, stop, options.shutdownTimeoutMs ?? 15_000);
  } catch (error) {
    exitOnStartupFailure(name, error);
  }
}

function stopOnSignals(log: Logger, stop: () => Promise<void>, timeoutMs: number): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    await stop();
    log.info('shut down cleanly');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
}

/** Logs a start-up failure (bad config, unreachable store) as one clear line and exits non-zero. */
export function exitOnStartupFailure(service: string, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${service} failed to start: ${message}\n`);
  process.exit(1);
}
