export * from './postgres.ts';
export * from './redis.ts';
export * from './mongo.ts';
export * from './write-batch.ts';
export * from './per-key-queue.ts';
export * from './store-adapters.ts';
export * from './redis-script.ts';
export * from './array-literal.ts';
