import { MongoClient } from 'mongodb';

export type { MongoClient };
export { MongoServerError } from 'mongodb';
export type { Collection, Db, Filter, IndexDescription } from 'mongodb';

export interface MongoSettings {
  url: string;
}

/** Works unchanged against MongoDB 7 and FerretDB; the database comes from the URL path. */
export function createMongoClient({ url }: MongoSettings): MongoClient {
  return new MongoClient(url, { serverSelectionTimeoutMS: 5_000, connectTimeoutMS: 5_000 });
}

/** A client that is connected, so start-up fails clearly when MongoDB is unreachable. */
export async function connectMongo(url: string): Promise<MongoClient> {
  const client = createMongoClient({ url });
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return client;
}

export async function pingMongo(client: MongoClient): Promise<boolean> {
  try {
    await client.db().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/** The server's duplicate-key error (a unique index refused an insert or upsert). */
export const isDuplicateKeyError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;

/**
 * Whether every document an unordered insertMany refused was refused by a unique index (the
 * others were written); any other failure, or none, is false.
 */
export function onlyDuplicateKeys(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as {
    code?: unknown;
  }[];
  return list.length > 0 && list.every((e) => e.code === 11000);
}
