import { randomUUID } from 'node:crypto';
import { connectNats, jetstreamManager, type NatsConnection } from '@wa/pkg/bus';
import { createPgPool, type PgPool } from '@wa/pkg/db';
import { UserService, createGrpcClient } from '@wa/pkg/grpc';
import {
  freePort,
  inject,
  makeUser,
  testLogger,
  testStores,
  type Envelope,
  type InjectRequest,
  type TestUser,
} from '@wa/pkg/testing';
import {
  spawnService as startService,
  type SpawnedService as RunningService,
} from '@wa/pkg/testing';
import { buildChatApp } from '../src/app.ts';
import type { ChatDetail } from '../src/model/schemas.ts';

/** The real user-service as a process over the test PostgreSQL and Redis. */
export interface UserServiceProcess {
  /** host:port of its gRPC server, where the chat app's GetUsers calls go. */
  grpcAddress: string;
  /** Base URL of its HTTP API, for setting profiles, privacy, contacts and blocks up. */
  httpUrl: string;
  /** Stops the process (SIGTERM); the ports stay reserved for `start()`. */
  stop: () => Promise<void>;
  /** Starts it again on the same ports after `stop()`; a no-op while it runs. */
  start: () => Promise<void>;
}

/**
 * Starts user-service/src/main.ts as e2e/support/stack.ts does for the whole stack: the chat
 * app's profile lookups are answered by the real GetUsers (privacy rules included), never by a
 * stand-in. Its pool is small: PostgreSQL's 100 connections are shared with other test files.
 */
export async function startUserService(): Promise<UserServiceProcess> {
  const [httpPort, grpcPort] = await Promise.all([freePort(), freePort()]);
  const env = {
    DATABASE_URL: testStores.databaseUrl,
    DATABASE_POOL_MAX: '3',
    REDIS_URL: testStores.redisUrl,
    NATS_URL: testStores.natsUrl,
    GRPC_PORT: String(grpcPort),
  };
  let running: RunningService | undefined = await startService('user-service', httpPort, env);
  // Never outlive the test file, even when it ends without close() (a failed before hook).
  process.once('exit', () => running?.process.kill('SIGKILL'));
  return {
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    stop: async () => {
      await running?.stop();
      running = undefined;
    },
    start: async () => {
      running ??= await startService('user-service', httpPort, env);
    },
  };
}

/**
 * Calls the user-service's HTTP API as `user` (the gateway's identity headers): tests set
 * profiles and privacy up the way a client would. Throws unless it answers 2xx.
 */
export async function asUserServiceCaller(
  service: UserServiceProcess,
  user: TestUser,
  method: 'PATCH' | 'PUT' | 'POST',
  path: string,
  body?: unknown,
): Promise<Envelope> {
  const response = await fetch(`${service.httpUrl}${path}`, {
    method,
    headers: {
      'x-user-id': user.id,
      'x-user-phone': user.phone,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const envelope = (await response.json()) as Envelope;
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(envelope)}`);
  return envelope;
}

export interface StartOptions {
  /**
   * The user-service GetUsers goes to. By default the harness starts one of its own (one per
   * test file) and stops it on close; a second app in the same file can share the first's.
   */
  userService?: UserServiceProcess;
  /** Also run the message-event consumer under a durable of its own. */
  consumeMessages?: boolean;
  natsUrl?: string;
}

/**
 * A real chat app over the test PostgreSQL and NATS, its profiles from a real user-service;
 * `close()` releases everything.
 */
export async function startChatApp(options: StartOptions = {}) {
  const ownUserService = options.userService ? undefined : await startUserService();
  try {
    return await buildHarness(options, options.userService ?? ownUserService!, ownUserService);
  } catch (error) {
    await ownUserService?.stop();
    throw error;
  }
}

async function buildHarness(
  options: StartOptions,
  userService: UserServiceProcess,
  ownUserService: UserServiceProcess | undefined,
) {
  const log = testLogger('chat-service');
  // Test files run two at a time next to other services; PostgreSQL allows 100 connections.
  const pool = createPgPool({ url: testStores.databaseUrl, max: 5, log });
  const nc: NatsConnection = await connectNats({
    url: options.natsUrl ?? testStores.natsUrl,
    name: 'chat-service-test',
    log,
  });
  const client = createGrpcClient(UserService, {
    address: userService.grpcAddress,
    timeoutMs: 1_000,
  });
  // The real client, with its GetUsers calls counted (the issue asks for one per response).
  const userCalls = { getUsers: 0 };
  const users: typeof client = {
    ...client,
    getUsers: (request, options) => {
      userCalls.getUsers += 1;
      return client.getUsers(request, options);
    },
  };
  // An outbox table of its own: any other process relaying the shared chat_outbox (a stack under
  // test elsewhere, possibly on another NATS server) would otherwise publish this app's events.
  const outboxTable = `outbox_test_${randomUUID().replaceAll('-', '')}`;
  await pool.query(`CREATE TABLE ${outboxTable} (LIKE chat_outbox INCLUDING ALL)`);
  const durable = `chat-service-test-${randomUUID()}`;
  const built = buildChatApp({
    config: {
      nats: { url: '', consumerName: durable, inactiveThresholdMs: 60_000 },
      outboxTable,
      logPruneIntervalMs: 0,
    },
    pool,
    nc,
    users,
    log,
    outbox: { sweepIntervalMs: 50, maxBackoffMs: 500, publishTimeoutMs: 1_000 },
  });
  const app = built.http;
  const { outbox } = built.services;
  await app.ready();
  // The relay always; the message-event consumer only when the test asks for it.
  const workers = built.workers.filter(
    (worker) =>
      worker.name === 'outbox' || (options.consumeMessages && worker.name === 'message events'),
  );
  for (const worker of workers) await worker.start();

  return {
    ...built.services,
    app,
    grpcRoutes: built.grpc,
    pool,
    nc,
    outbox,
    outboxTable,
    userService,
    userCalls,
    close: async () => {
      await app.close();
      for (const worker of workers.reverse()) await worker.stop();
      if (options.consumeMessages)
        await (await jetstreamManager(nc)).consumers.delete('MESSAGES', durable).catch(() => false);
      await pool.query(`DROP TABLE IF EXISTS ${outboxTable}`);
      await ownUserService?.stop();
      await nc.close();
      await pool.end();
    },
  };
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

/** `count` fresh users named after `prefix`. */
export async function makeUsers(pool: PgPool, count: number, prefix = 'User'): Promise<TestUser[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => makeUser(pool, { display_name: `${prefix} ${i}` })),
  );
}

/** A group created through the API by `creator` with `memberCount` fresh members. */
export async function createGroup(
  h: ChatHarness,
  creator: { id: string },
  memberCount = 2,
  extra: object = {},
): Promise<{ chat: ChatDetail; members: TestUser[] }> {
  const members = await makeUsers(h.pool, memberCount, 'Member');
  const res = await caller(h, creator).post('/api/v1/chats', {
    type: 'group',
    name: 'Family Group',
    participant_ids: members.map((m) => m.id),
    ...extra,
  });
  if (res.status !== 201) throw new Error(`group not created: ${JSON.stringify(res.body)}`);
  return { chat: res.body.data as ChatDetail, members };
}
