export type { ListenAddress, ServiceApp, ServiceClient, Worker } from './types.ts';
export { startService, type RunningService, type StartSettings } from './start.ts';
export { exitOnStartupFailure, runService, type RunOptions, type ServiceParts } from './run.ts';
export { intervalWorker } from './workers.ts';
