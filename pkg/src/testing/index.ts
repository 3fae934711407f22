import { randomInt } from 'node:crypto';
import { createLogger, type Logger } from '../log/index.ts';
import type { Queryable } from '../db/index.ts';

/** Store URLs for tests: the same local servers as the stack, but their own databases. */
export const testStores = {
  databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/whatsapp_test',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  natsUrl: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  mongoUrl: process.env.TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017/whatsapp_test',
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

/** A fresh, valid E.164 number (German mobile range) so tests never share OTP or rate-limit state. */
export const randomPhone = (): string =>
  `+49151${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

export interface TestUser {
  id: string;
  phone: string;
  display_name: string;
}

/**
 * A fresh user. The test database keeps every run's users, so a random phone can already be
 * taken; a fresh one is drawn then (a phone given in `overrides` is used as it is).
 */
export async function makeUser(
  db: Queryable,
  overrides: Partial<Omit<TestUser, 'id'>> = {},
): Promise<TestUser> {
  for (let attempt = 0; ; attempt++) {
    const { rows } = await db.query<TestUser>(
      `INSERT INTO users (phone, display_name) VALUES ($1, $2)
       ${overrides.phone || attempt >= 5 ? '' : 'ON CONFLICT (phone) DO NOTHING'}
       RETURNING id, phone, display_name`,
      [overrides.phone ?? randomPhone(), overrides.display_name ?? 'Test User'],
    );
    if (rows[0]) return rows[0];
  }
}

export { freePort } from './ports.ts';
export { startNatsServer, type TestNatsServer } from './nats-server.ts';
export { startRedisServer, type TestRedisServer } from './redis-server.ts';
export { makeDirectChat, makeGroupChat, makeManyDirectChats, type TestChat } from './chats.ts';
export { captureEvents, type CapturedEvent, type EventCapture } from './events.ts';
export { startGrpcFake, type FakeCalls, type FakeImpl, type GrpcFake } from './grpc-fake.ts';
export {
  createUserDirectory,
  type FakeAudience,
  type FakeUserInput,
  type FakeUserRecord,
  type UserDirectory,
  type UserDirectoryOptions,
} from './user-directory-fake.ts';
export {
  createChatDirectory,
  type ChatDirectory,
  type FakeChat,
  type FakeParticipant,
} from './chat-directory-fake.ts';
export { createAuthDirectory, type AuthDirectory, type FakeSession } from './auth-fake.ts';
