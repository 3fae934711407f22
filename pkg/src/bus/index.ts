export * from './nats.ts';
export * from './streams.ts';
export { jetstreamManager, jetstream } from '@nats-io/jetstream';
