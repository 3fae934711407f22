export * from './watchdog.ts';
export * from './readiness.ts';
export * from './probes.ts';
