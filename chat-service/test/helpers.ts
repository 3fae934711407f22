import { randomUUID } from 'node:crypto';
import {
  connectNats,
  createOutbox,
  jetstream,
  jetstreamManager,
  type NatsConnection,
  type Outbox,
} from '@wa/pkg/bus';
import { createPgPool, type PgPool } from '@wa/pkg/db';
import {
  UserService,
  createGrpcClient,
  createGrpcServer,
  type ConnectRouter,
  type GrpcServer,
} from '@wa/pkg/grpc';
import { makeUser, testLogger, testStores, type TestUser } from '@wa/pkg/testing';
import { buildChatApp } from '../src/app.ts';
import type { ChatDetail } from '../src/model/schemas.ts';
import { consumeMessageEvents } from '../src/handler/message-events.ts';

/**
 * A stand-in for the user-service's GetUsers, answering from the same users table: chat-service
 * tests must not depend on another service's code. `calls` records each request's ids.
 */
export async function startFakeUserService(pool: PgPool) {
  const calls: string[][] = [];
  const routes = (router: ConnectRouter) => {
    router.service(UserService, {
      async getUsers(request) {
        calls.push([...request.userIds]);
        const { rows } = await pool.query<{ id: string; display_name: string; avatar_url: string }>(
          'SELECT id, display_name, avatar_url FROM users WHERE id = ANY($1::uuid[])',
          [request.userIds],
        );
        return {
          users: rows.map((row) => ({
            userId: row.id,
            displayName: row.display_name,
            avatarUrl: row.avatar_url,
          })),
        };
      },
    });
  };
  const server: GrpcServer = createGrpcServer({ routes, log: testLogger('fake-user-service') });
  const port = await server.listen(0, '127.0.0.1');
  return { address: `127.0.0.1:${port}`, calls, close: () => server.close() };
}

export interface StartOptions {
  /** Where GetUsers goes; defaults to a fake user-service over the test database. */
  userServiceAddress?: string;
  /** Also run the message-event consumer under a durable of its own. */
  consumeMessages?: boolean;
  natsUrl?: string;
}

/** A real chat app over the test PostgreSQL and NATS; `close()` releases everything. */
export async function startChatApp(options: StartOptions = {}) {
  const log = testLogger('chat-service');
  // Test files run two at a time next to other services; PostgreSQL allows 100 connections.
  const pool = createPgPool({ url: testStores.databaseUrl, max: 5, log });
  const nc: NatsConnection = await connectNats({
    url: options.natsUrl ?? testStores.natsUrl,
    name: 'chat-service-test',
    log,
  });
  const fakeUsers = options.userServiceAddress ? undefined : await startFakeUserService(pool);
  const users = createGrpcClient(UserService, {
    address: options.userServiceAddress ?? fakeUsers!.address,
    timeoutMs: 1_000,
  });
  // An outbox table of its own: any other process relaying the shared event_outbox (a stack under
  // test elsewhere, possibly on another NATS server) would otherwise publish this app's events.
  const outboxTable = `outbox_test_${randomUUID().replaceAll('-', '')}`;
  await pool.query(`CREATE TABLE ${outboxTable} (LIKE event_outbox INCLUDING ALL)`);
  const outbox: Outbox = createOutbox({
    pool,
    js: jetstream(nc),
    log,
    pollIntervalMs: 50,
    maxBackoffMs: 500,
    publishTimeoutMs: 1_000,
    table: outboxTable,
  });
  outbox.start();
  const built = buildChatApp({ pool, events: outbox, users, log });
  await built.app.ready();
  const durable = `chat-service-test-${randomUUID()}`;
  const consumer = options.consumeMessages
    ? await consumeMessageEvents({
        nc,
        durable,
        activity: built.activity,
        log,
        inactiveThresholdMs: 60_000,
      })
    : undefined;

  return {
    ...built,
    pool,
    nc,
    outbox,
    outboxTable,
    userCalls: fakeUsers?.calls ?? [],
    close: async () => {
      await built.app.close();
      if (consumer) {
        await consumer.stop();
        await (await jetstreamManager(nc)).consumers.delete('MESSAGES', durable).catch(() => false);
      }
      await outbox.stop();
      await pool.query(`DROP TABLE IF EXISTS ${outboxTable}`);
      await fakeUsers?.close();
      await nc.close();
      await pool.end();
    },
  };
}

export type ChatHarness = Awaited<ReturnType<typeof startChatApp>>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's data differs
export interface Envelope<T = any> {
  success: boolean;
  data: T;
  error: { code: string; message: string; details?: { field?: string; message: string }[] } | null;
  meta: { request_id: string; timestamp: string };
}

/** Calls the app as the gateway would, with the caller in X-User-Id. */
export function caller(h: ChatHarness, user: { id: string }) {
  const call = async (method: string, url: string, body?: unknown, rawBody?: string) => {
    const response = await h.app.inject({
      method: method as 'GET',
      url,
      headers: {
        'x-user-id': user.id,
        ...(body !== undefined || rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
      },
      ...(rawBody !== undefined
        ? { payload: rawBody }
        : body !== undefined
          ? { payload: JSON.stringify(body) }
          : {}),
    });
    return { status: response.statusCode, body: response.json<Envelope>() };
  };
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, body?: unknown) => call('POST', url, body),
    patch: (url: string, body?: unknown) => call('PATCH', url, body),
    delete: (url: string) => call('DELETE', url),
    raw: (method: string, url: string, rawBody: string) => call(method, url, undefined, rawBody),
  };
}

/** `count` fresh users named after `prefix`. */
export async function makeUsers(pool: PgPool, count: number, prefix = 'User'): Promise<TestUser[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => makeUser(pool, { display_name: `${prefix} ${i}` })),
  );
}

/** Asserts the error envelope of a refused request. */
export function expectError(
  res: { status: number; body: Envelope },
  status: number,
  code: string,
): Envelope {
  if (res.status !== status || res.body.success || res.body.error?.code !== code)
    throw new Error(`expected ${status} ${code}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (res.body.data !== null || !res.body.meta.request_id)
    throw new Error(`not an error envelope: ${JSON.stringify(res.body)}`);
  return res.body;
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
