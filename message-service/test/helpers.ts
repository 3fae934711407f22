import { randomUUID } from 'node:crypto';
import { connectNats, type NatsConnection } from '@wa/pkg/bus';
import { createMongoClient, createPgPool, type MongoClient, type PgPool } from '@wa/pkg/db';
import {
  ChatService,
  UserService,
  createGrpcClient,
  createGrpcServer,
  type GrpcServer,
} from '@wa/pkg/grpc';
import {
  inject,
  makeUser,
  privateMongoUrl,
  testLogger,
  testStores,
  type TestUser,
} from '@wa/pkg/testing';
import { startStack } from '@wa/pkg/testing';
import { applyMongoIndexes } from '../../migrations/mongo/indexes.ts';
import { buildMessageApp } from '../src/app.ts';
import type { ReadReceiptsLookup } from '../src/service/receipt-service.ts';

/**
 * The real user-service and chat-service as processes over the test databases: membership,
 * roles and blocks are answered by them, never by a stand-in.
 */
export async function startDependencies(options: { natsUrl?: string } = {}) {
  const stack = await startStack({
    services: ['user-service', 'chat-service'],
    stores: options.natsUrl ? { NATS_URL: options.natsUrl } : {},
  });
  return {
    userHttp: stack.http('user-service'),
    userGrpc: stack.grpc('user-service'),
    chatHttp: stack.http('chat-service'),
    chatGrpc: stack.grpc('chat-service'),
    /** The stack's own database: users and chats the dependencies see are seeded here. */
    databaseUrl: stack.stores.DATABASE_URL,
    stop: stack.stop,
  };
}

export type Dependencies = Awaited<ReturnType<typeof startDependencies>>;

export interface MessageAppOptions {
  deps: Dependencies;
  natsUrl?: string;
  /** Where the messages go; a fresh database by default. Either way it is dropped on close. */
  mongoUrl?: string;
  readReceipts?: ReadReceiptsLookup;
  membershipTtlMs?: number;
}

/** A message app over FerretDB and NATS with a gRPC server on a free port; `close()` frees all. */
export async function startMessageApp(options: MessageAppOptions) {
  const log = testLogger('message-service');
  // A database of its own: the outbox relay must never publish another test file's events.
  const mongo: MongoClient = createMongoClient({ url: options.mongoUrl ?? freshMongoUrl() });
  await mongo.connect();
  await applyMongoIndexes(mongo.db(), log);
  const nc: NatsConnection = await connectNats({
    url: options.natsUrl ?? testStores.natsUrl,
    name: 'message-service-test',
    log,
  });
  const built = buildMessageApp({
    config: {
      nats: { url: '', consumerName: 'unused', inactiveThresholdMs: undefined },
      membershipCache: { ttlMs: options.membershipTtlMs ?? 30_000, maxEntries: 1_000 },
      outbox: { sweepIntervalMs: 50, maxBackoffMs: 300, publishTimeoutMs: 1_000 },
    },
    mongo,
    nc,
    chats: createGrpcClient(ChatService, { address: options.deps.chatGrpc, timeoutMs: 2_000 }),
    users: createGrpcClient(UserService, { address: options.deps.userGrpc, timeoutMs: 2_000 }),
    log,
    readReceipts: options.readReceipts,
  });
  const app = built.http;
  await app.ready();
  // The relay and the cache watcher; chat events are consumed only where a test asks for them.
  const workers = built.workers.filter((worker) => worker.name !== 'chat events');
  for (const worker of workers) await worker.start();
  const grpc: GrpcServer = createGrpcServer({ routes: built.grpc, log });
  const grpcPort = await grpc.listen(0, '127.0.0.1');
  const pool: PgPool = createPgPool({ url: options.deps.databaseUrl, log });
  return {
    ...built.services,
    app,
    grpcRoutes: built.grpc,
    mongo,
    nc,
    pool,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    close: async () => {
      await app.close();
      await grpc.close();
      for (const worker of [...workers].reverse()) await worker.stop();
      await nc.close();
      await mongo
        .db()
        .dropDatabase()
        .catch(() => {});
      await mongo.close();
      await pool.end();
    },
  };
}

export type MessageHarness = Awaited<ReturnType<typeof startMessageApp>>;

export async function makeUsers(pool: PgPool, count: number): Promise<TestUser[]> {
  return Promise.all(Array.from({ length: count }, () => makeUser(pool)));
}

/** A fresh database on the test FerretDB/MongoDB server. */
export const freshMongoUrl = (): string =>
  privateMongoUrl(testStores.mongoUrl, `msg_test_${randomUUID().slice(0, 8)}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's data differs
export type Data = Record<string, any>;

/** An inject() call as the gateway would make it: X-User-Id set, JSON in and out. */
export async function call(
  h: MessageHarness,
  userId: string | undefined,
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  url: string,
  body?: unknown,
) {
  const res = await inject<Data>(h.app, {
    as: userId ? { id: userId } : undefined,
    method,
    url,
    body,
  });
  return { status: res.status, body: res.body, data: res.body.data };
}

export const text = (body: string, clientMsgId: string = randomUUID()) => ({
  client_msg_id: clientMsgId,
  type: 'text',
  payload: { body },
});
