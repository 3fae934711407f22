export * from './frames.ts';
export * from './close-codes.ts';
