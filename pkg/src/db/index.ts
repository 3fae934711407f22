export * from './postgres.ts';
export * from './redis.ts';
export * from './mongo.ts';
