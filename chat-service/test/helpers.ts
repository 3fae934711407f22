import { randomUUID } from 'node:crypto';
import { connectNats, jetstreamManager, type NatsConnection } from '@wa/pkg/bus';
import { createStampWriter } from '@wa/pkg/cache';
import { connectRedis, createPgPool, type Redis } from '@wa/pkg/db';
import { UserService, createGrpcClient } from '@wa/pkg/grpc';
import {
  createUserDirectory,
  inject,
  makeUser,
  startGrpcFake,
  testLogger,
  testStores,
  type GrpcFake,
  type InjectRequest,
  type TestUser,
  type UserDirectory,
} from '@wa/pkg/testing';
import { startService } from '@wa/pkg/service';
import { buildChatApp } from '../src/app.ts';
import type { ChatDetail } from '../src/model/schemas.ts';

/** The user-service the chat app's GetUsers calls go to: a fake the test seeds. */
export interface FakeUserService {
  /** Profiles, privacy, contacts and blocks, as the user-service would answer GetUsers. */
  directory: UserDirectory;
  /** The gRPC server: `calls.getUsers` counts the lookups, `stop()`/`start()` make an outage. */
  server: GrpcFake<typeof UserService>;
}

export async function startFakeUserService(): Promise<FakeUserService> {
  const directory = createUserDirectory();
  return { directory, server: await startGrpcFake(UserService, directory.implementation) };
}

export interface StartOptions {
  /** A second app in the same file can share the first's; by default each app has its own. */
  userService?: FakeUserService;
  /** Also run the message-event consumer under a durable of its own. */
  consumeMessages?: boolean;
  natsUrl?: string;
  /** Where chat stamps are renewed; the test Redis by default. */
  redisUrl?: string;
}

/**
 * A real chat app over the test PostgreSQL and NATS, run by `startService` with its outbox relay
 * (and the message-event consumer when asked), its profiles from a fake user-service in this
 * process. Everything is released by `close()`, which `t.after`/`after` should call.
 */
export async function startChatApp(options: StartOptions = {}) {
  const log = testLogger('chat-service');
  const userService = options.userService ?? (await startFakeUserService());
  const ownFake = options.userService ? undefined : userService.server;
  // Test files run two at a time next to other services; PostgreSQL allows 100 connections.
  const pool = createPgPool({ url: testStores.databaseUrl, max: 5, log });
  let nc: NatsConnection | undefined;
  let redis: Redis | undefined;
  // An outbox table of its own: any other process relaying the shared chat_outbox (a stack under
  // test elsewhere, possibly on another NATS server) would otherwise publish this app's events.
  const outboxTable = `outbox_test_${randomUUID().replaceAll('-', '')}`;
  const durable = `chat-service-test-${randomUUID()}`;
  const cleanup = {
    name: 'test leftovers',
    close: async () => {
      if (options.consumeMessages && nc)
        await (await jetstreamManager(nc)).consumers.delete('MESSAGES', durable).catch(() => false);
      await pool.query(`DROP TABLE IF EXISTS ${outboxTable}`);
    },
  };
  const clients = [
    { name: 'postgres', close: () => pool.end() },
    { name: 'nats', close: () => nc?.close() },
    { name: 'redis', close: () => redis?.disconnect() },
    { name: 'fake user-service', close: () => ownFake?.close() },
    cleanup,
  ];
  let handedOver = false;
  try {
    nc = await connectNats({
      url: options.natsUrl ?? testStores.natsUrl,
      name: 'chat-service-test',
      log,
    });
    redis = await connectRedis(options.redisUrl ?? testStores.redisUrl, log);
    await pool.query(`CREATE TABLE ${outboxTable} (LIKE chat_outbox INCLUDING ALL)`);
    const built = buildChatApp({
      config: {
        nats: { url: '', consumerName: durable, maxDeliver: 10 },
        logPruneIntervalMs: 0,
      },
      pool,
      nc,
      users: createGrpcClient(UserService, {
        address: userService.server.address,
        timeoutMs: 1_000,
      }),
      stamps: createStampWriter(redis),
      log,
      outbox: {
        table: outboxTable,
        sweepIntervalMs: 50,
        maxBackoffMs: 500,
        publishTimeoutMs: 1_000,
      },
      consumer: { inactiveThresholdMs: 60_000 },
    });
    // The relay always; the message-event consumer only when the test asks for it.
    const workers = built.workers.filter(
      (worker) =>
        worker.name === 'outbox' || (options.consumeMessages && worker.name === 'message events'),
    );
    // From here startService owns the clients: it closes them itself if it fails.
    handedOver = true;
    const running = await startService(
      { ...built, workers },
      { log, listen: { host: '127.0.0.1', httpPort: 0, grpcPort: 0 }, clients },
    );
    const users = userService.directory;
    return {
      ...built.services,
      app: built.http,
      grpcAddress: `127.0.0.1:${running.grpcPort}`,
      pool,
      nc,
      redis,
      outboxTable,
      userService,
      users,
      /** A fresh user in PostgreSQL, known to the fake user-service by the same profile. */
      async makeUser(overrides: Partial<Omit<TestUser, 'id'>> = {}): Promise<TestUser> {
        const user = await makeUser(pool, overrides);
        users.add({ id: user.id, phone: user.phone, display_name: user.display_name });
        return user;
      },
      close: () => running.stop(),
    };
  } catch (error) {
    if (!handedOver) for (const client of clients.reverse()) await client.close();
    throw error;
  }
}

export type ChatHarness = Awaited<ReturnType<typeof startChatApp>>;

export { expectError, type Envelope } from '@wa/pkg/testing';

/** Calls the app as the gateway would, with the caller in X-User-Id. */
export function caller(h: ChatHarness, user: { id: string }) {
  const call = (method: InjectRequest['method'], url: string, body?: unknown) =>
    inject(h.app, { as: { id: user.id }, method, url, body });
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, body?: unknown) => call('POST', url, body),
    patch: (url: string, body?: unknown) => call('PATCH', url, body),
    delete: (url: string) => call('DELETE', url),
    /** A body sent as it is (malformed JSON). */
    raw: (method: InjectRequest['method'], url: string, rawBody: string) =>
      call(method, url, rawBody),
  };
}

/** `count` fresh users named after `prefix`, known to the harness's fake user-service. */
export async function makeUsers(
  h: ChatHarness,
  count: number,
  prefix = 'User',
): Promise<TestUser[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => h.makeUser({ display_name: `${prefix} ${i}` })),
  );
}

/** A group created through the API by `creator` with `memberCount` fresh members. */
export async function createGroup(
  h: ChatHarness,
  creator: { id: string },
  memberCount = 2,
  extra: object = {},
): Promise<{ chat: ChatDetail; members: TestUser[] }> {
  const members = await makeUsers(h, memberCount, 'Member');
  const res = await caller(h, creator).post('/api/v1/chats', {
    type: 'group',
    name: 'Family Group',
    participant_ids: members.map((m) => m.id),
    ...extra,
  });
  if (res.status !== 201) throw new Error(`group not created: ${JSON.stringify(res.body)}`);
  return { chat: res.body.data as ChatDetail, members };
}
