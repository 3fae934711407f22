export * from './envelope.ts';
export * from './error-handler.ts';
export * from './server.ts';
export * from './identity.ts';
export * from './schemas.ts';
export type {} from './route-docs.ts';
export { OPERATIONAL_PATHS, pathOf } from './request-log.ts';
export { requestContextOf } from './request-tracing.ts';
