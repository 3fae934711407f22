import type { Logger } from '../log/index.ts';

export interface ShutdownStep {
  name: string;
  close: () => unknown;
}

/**
 * On SIGTERM/SIGINT runs the steps in order (stop accepting, drain, close clients) and exits.
 * A step that fails is logged and the rest still run; a hung shutdown is cut off after `timeoutMs`.
 */
export function closeOnSignals(log: Logger, steps: ShutdownStep[], timeoutMs = 15_000): void {
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
    for (const step of steps) {
      try {
        await step.close();
      } catch (error) {
        log.warn({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
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
