import { createGrpcServer, recordCallsInto, type GrpcServer } from '../grpc/index.ts';
import type { Logger } from '../log/index.ts';
import type { ListenAddress, ServiceApp, ServiceClient, Worker } from './types.ts';

export interface StartSettings {
  log: Logger;
  listen: ListenAddress;
  /** Closed in reverse order, after every worker has stopped. */
  clients?: ServiceClient[];
}

export interface RunningService {
  httpPort: number;
  grpcPort?: number;
  /** The house order: stop accepting, stop workers (reverse start order), close clients (reverse). */
  stop(): Promise<void>;
}

interface Step {
  name: string;
  run: () => unknown;
}

/** Runs every step even when one fails (logged), so a broken step never leaks the rest. */
async function runSteps(steps: Step[], log: Logger): Promise<void> {
  for (const step of steps) {
    try {
      await step.run();
    } catch (error) {
      log.warn({ err: error, step: step.name }, 'shutdown step failed');
    }
  }
}

const stopSteps = (workers: Worker[]): Step[] =>
  [...workers].reverse().map((worker) => ({ name: worker.name, run: () => worker.stop() }));

/**
 * Starts the workers, then the HTTP and gRPC servers. Port 0 picks a free port (tests).
 * If any of it fails, what already started is stopped before the error is rethrown.
 */
export async function startService(
  app: ServiceApp,
  settings: StartSettings,
): Promise<RunningService> {
  const { log, listen } = settings;
  const started: Worker[] = [];
  let grpc: GrpcServer | undefined;
  let stopping: Promise<void> | undefined;

  const stop = () =>
    (stopping ??= runSteps(
      [
        { name: 'http', run: () => app.http.close() },
        { name: 'grpc', run: () => grpc?.close() },
        ...stopSteps(started),
        ...[...(settings.clients ?? [])]
          .reverse()
          .map((client) => ({ name: client.name, run: () => client.close() })),
      ],
      log,
    ));

  try {
    await app.http.ready();
    for (const worker of app.workers) {
      await worker.start();
      started.push(worker);
    }
    await app.http.listen({ port: listen.httpPort, host: listen.host });
    const httpPort = app.http.server.address();
    let grpcPort: number | undefined;
    if (app.grpc) {
      if (listen.grpcPort === undefined) throw new Error('gRPC routes given but no gRPC port');
      grpc = createGrpcServer({
        routes: app.grpc,
        log,
        progress: app.probes?.watchdog.tracker('grpc'),
        record: app.probes ? recordCallsInto(app.probes.metrics, 'server') : undefined,
      });
      grpcPort = await grpc.listen(listen.grpcPort, listen.host);
    }
    return {
      httpPort: typeof httpPort === 'object' && httpPort ? httpPort.port : listen.httpPort,
      grpcPort,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
