// Brings PostgreSQL (node-pg-migrate, migrations/postgres) and MongoDB/FerretDB
// (migrations/mongo) up to date. Safe to start several at once.
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { applyMongoIndexes } from '../migrations/mongo/indexes.ts';
import { migrateMessageLayout } from '../migrations/mongo/message-layout.ts';
import { createMongoClient } from '@wa/pkg/db';
import { createLogger } from '@wa/pkg/log';

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/whatsapp';
const MONGO_URL = process.env.MONGO_URL || 'mongodb://127.0.0.1:27017/whatsapp';
const log = createLogger({ service: 'migrate', level: process.env.LOG_LEVEL || 'info' });

/** Drops the password so URLs can go into logs and error messages. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function migratePostgres(): Promise<void> {
  const applied = await runner({
    databaseUrl: DATABASE_URL,
    dir: fileURLToPath(new URL('../migrations/postgres', import.meta.url)),
    migrationsTable: 'pgmigrations',
    direction: 'up',
    // node-pg-migrate serialises runs with a PostgreSQL advisory lock; 'wait'
    // makes a concurrent run queue behind it (then find nothing to do) instead of failing.
    advisoryLockMode: 'wait',
    logger: {
      debug: (msg) => log.debug({ line: msg }, 'node-pg-migrate'),
      info: (msg) => log.debug({ line: msg }, 'node-pg-migrate'),
      warn: (msg) => log.warn({ line: msg }, 'node-pg-migrate'),
      error: (msg) => log.error({ line: msg }, 'node-pg-migrate'),
    },
  });
  log.info(
    { url: safeUrl(DATABASE_URL), applied: applied.map((m) => m.name) },
    'postgres migrations done',
  );
}

async function migrateMongo(): Promise<void> {
  const client = createMongoClient({ url: MONGO_URL });
  try {
    await client.connect();
    await applyMongoIndexes(client.db(), log);
    await migrateMessageLayout(client.db(), log);
    log.info({ url: safeUrl(MONGO_URL) }, 'mongo migrations done');
  } finally {
    await client.close();
  }
}

async function step(name: string, url: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    // pino's error serializer appends the cause's message to this one.
    throw new Error(`${name} migration against ${safeUrl(url)} failed`, { cause: err });
  }
}

try {
  await step('PostgreSQL', DATABASE_URL, migratePostgres);
  await step('MongoDB', MONGO_URL, migrateMongo);
} catch (err) {
  log.error({ err }, 'migration failed');
  process.exitCode = 1;
}
