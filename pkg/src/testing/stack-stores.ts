import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { STREAMS } from '../bus/index.ts';
import { applyMongoIndexes } from '../../../migrations/mongo/indexes.ts';
import { createMongoClient, createPgPool, pgErrorCode, type Db } from '../db/index.ts';
import { privateMongoUrl, testLogger, testStores } from './stores.ts';

const PG_OBJECT_IN_USE = '55006';

/** `url` (any PostgreSQL URL) pointed at the database `name`, options kept. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

const adminPool = (serverUrl: string) =>
  createPgPool({ url: databaseUrl(serverUrl, 'postgres'), max: 1, log: testLogger('stack') });

/**
 * Creates `name` as a copy of the migrated template database (`scripts/infra/setup.sh` keeps it
 * up to date) and returns its URL. Copying takes milliseconds where migrating takes seconds.
 * PostgreSQL refuses the copy while any session is connected to the template; only a migration
 * run (`make run` starting beside the tests) ever is, briefly, so a refusal is retried.
 */
export async function createStackDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = adminPool(serverUrl);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${testStores.templateDatabase}"`);
        return databaseUrl(serverUrl, name);
      } catch (error) {
        if (pgErrorCode(error) !== PG_OBJECT_IN_USE || attempt >= 50) throw error;
        await sleep(200);
      }
    }
  } finally {
    await admin.end();
  }
}

/** Drops the database even if a killed service left a connection behind. */
export async function dropStackDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = adminPool(serverUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Deletes the durable consumers `names` from every stream (a service uses one name on each stream
 * it reads). A durable outlives its service by design; left behind, it would hold every later
 * message of an Interest stream. Not-found is the normal case; an unreachable NATS (a test that
 * destroyed its private server) leaves nothing to clean.
 */
export async function deleteConsumers(natsUrl: string, names: string[]): Promise<void> {
  let nc;
  try {
    nc = await connect({ servers: natsUrl.split(','), timeout: 2_000, maxReconnectAttempts: 0 });
  } catch {
    return;
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2_000 });
    await Promise.all(
      STREAMS.flatMap((stream) =>
        names.map((name) => jsm.consumers.delete(stream.name, name).catch(() => false)),
      ),
    );
  } catch {
    // JetStream not answering: nothing more to do here.
  } finally {
    await nc.close();
  }
}

export interface TestDatabase {
  /** URL of a fresh, migrated PostgreSQL database of its own. */
  url: string;
  /** Drops it (connections still open are cut). */
  drop(): Promise<void>;
}

/**
 * A migrated PostgreSQL database of its own, for a service-tier test file: the service's outbox
 * relay there publishes only this file's events, with no test-only setting in the service.
 */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const url = await createStackDatabase(testStores.databaseUrl, name);
  return { url, drop: () => dropStackDatabase(testStores.databaseUrl, name) };
}

export interface TestMongoDatabase extends TestDatabase {
  db: Db;
}

/** A FerretDB/MongoDB database of its own, indexed as the migration leaves it. */
export async function privateMongoDatabase(prefix = 'test'): Promise<TestMongoDatabase> {
  const url = privateMongoUrl(testStores.mongoUrl, `${prefix}_${randomUUID().slice(0, 8)}`);
  const admin = createMongoClient({ url });
  await admin.connect();
  try {
    await applyMongoIndexes(admin.db(), testLogger('mongo-indexes'));
  } catch (error) {
    await admin.close();
    throw error;
  }
  return {
    url,
    db: admin.db(),
    drop: async () => {
      await admin.db().dropDatabase();
      await admin.close();
    },
  };
}

/** A store opened on a database of its own; `dispose` closes it and drops the database. */
export interface OwnDatabaseStore<S> {
  store: S;
  url: string;
  dispose: () => Promise<void>;
}

/**
 * Opens a store (message or media, either adapter) on a fresh PostgreSQL or MongoDB database,
 * dropping the database again if the store does not open.
 */
export async function openOnOwnDatabase<S extends { close(): Promise<void> }>(
  kind: 'postgres' | 'mongodb',
  prefix: string,
  open: (url: string) => Promise<S>,
): Promise<OwnDatabaseStore<S>> {
  const database =
    kind === 'postgres' ? await createTestDatabase(prefix) : await privateMongoDatabase(prefix);
  try {
    const store = await open(database.url);
    return {
      store,
      url: database.url,
      dispose: async () => {
        await store.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
