import { createLogger, type Logger } from '../log/index.ts';

function messageStoreOf(value: string | undefined): 'postgres' | 'mongodb' {
  return value === 'mongodb' ? 'mongodb' : 'postgres';
}

/** Store URLs for tests: the same local servers as the stack, but their own databases. */
export const testStores = {
  databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/whatsapp_test',
  /**
   * The migrated database every test stack's own database is copied from; nothing connects to it
   * but the migration (`scripts/infra/setup.sh`), on the server of `databaseUrl`.
   */
  templateDatabase: process.env.TEST_TEMPLATE_DATABASE ?? 'whatsapp_test_template',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  natsUrl: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  mongoUrl: process.env.TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017/whatsapp_test',
  /** The S3-compatible server (versitygw here, MinIO in compose) and its bucket (scripts/infra/up.sh). */
  s3: {
    url: process.env.TEST_S3_URL ?? 'http://127.0.0.1:9000',
    bucket: process.env.TEST_S3_BUCKET ?? 'whatsapp-media',
    accessKey: process.env.TEST_S3_ACCESS_KEY ?? 'minioadmin',
    secretKey: process.env.TEST_S3_SECRET_KEY ?? 'minioadmin',
  },
  /** The message store adapter the tests run on (addenda K): `postgres` (default) or `mongodb`. */
  messageStore: messageStoreOf(process.env.TEST_MESSAGE_STORE),
};

/** `serverUrl` (any MongoDB URL) pointed at the database `name`, options kept. */
export function privateMongoUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Tests log only failures unless TEST_LOG_LEVEL asks for more. */
export const testLogger = (service = 'test'): Logger =>
  createLogger({ service, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
