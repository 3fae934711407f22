export * from './nats.ts';
export * from './streams.ts';
export * from './events.ts';
export * from './publish.ts';
export * from './consumer.ts';
export * from './watch.ts';
export * from './outbox.ts';
export { jetstreamManager, jetstream } from '@nats-io/jetstream';
export type { JetStreamClient, PubAck } from '@nats-io/jetstream';
