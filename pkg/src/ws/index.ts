export * from './frames.ts';
export * from './close-codes.ts';
export * from './frame-docs.ts';
