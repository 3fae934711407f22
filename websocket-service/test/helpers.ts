import { randomUUID } from 'node:crypto';
import {
  connectNats,
  ensureStreams,
  jetstream,
  jetstreamManager,
  type NatsConnection,
} from '@wa/pkg/bus';
import { connectRedis, type Redis } from '@wa/pkg/db';
import {
  AuthService,
  ChatService,
  MessageService,
  UserService,
  createGrpcClient,
} from '@wa/pkg/grpc';
import { startService, type RunningService } from '@wa/pkg/service';
import {
  createAuthDirectory,
  createChatDirectory,
  createUserDirectory,
  startGrpcFake,
  testLogger,
  testStores,
  type GrpcFake,
  type TestChat,
  type UserDirectoryOptions,
} from '@wa/pkg/testing';
import { buildWebSocketApp } from '../src/app.ts';
import { loadWebSocketConfig } from '../src/config.ts';

export { TestSocket, type ReceivedFrame } from '@wa/pkg/testing';

export interface Session {
  id: string;
  phone: string;
  token: string;
}

/** One websocket-service built in this process and run by `startService` on a free port. */
export interface WsInstance {
  /** Its /ws, with the token as query parameter when given. */
  url(token?: string): string;
  /** What SIGTERM does in production: sockets closed with 1001, workers and clients stopped. */
  stop(): Promise<void>;
}

export interface WsInstanceOptions {
  /** Environment the instance's config is loaded from, over the stack's (`WS_*` timings). */
  env?: Record<string, string>;
  /** Where its user-service calls go; the stack's fake by default (a test may cut one off). */
  userAddress?: string;
}

/**
 * The websocket-service's neighbours as fakes in this process (auth validates the tokens it
 * issued; users, chats and messages answer what the test seeds) over the real Redis and NATS, and
 * a factory for websocket-service instances built in-process that share this stack's durable
 * consumer. `stop()` stops every instance, then the fakes and connections.
 */
export async function startWsTestStack(
  options: { natsUrl?: string; presence?: UserDirectoryOptions } = {},
) {
  const log = testLogger('websocket-test');
  const natsUrl = options.natsUrl ?? testStores.natsUrl;
  const auth = createAuthDirectory();
  const users = createUserDirectory(options.presence);
  const chats = createChatDirectory();
  const instances: WsInstance[] = [];
  const closers: (() => unknown)[] = [];
  const stop = async () => {
    for (const instance of instances.reverse()) await instance.stop();
    for (const close of closers.reverse()) await close();
  };
  try {
    const fakes = {
      auth: await startGrpcFake(AuthService, auth.implementation),
      user: await startGrpcFake(UserService, users.implementation),
      chat: await startGrpcFake(ChatService, chats.implementation),
      // Nothing is waiting on connect unless a test says so.
      message: await startGrpcFake(MessageService, {
        listUndelivered: () => ({ messages: [], next: '' }),
      }),
    };
    for (const fake of Object.values(fakes)) closers.push(() => fake.close());
    const nc: NatsConnection = await connectNats({ url: natsUrl, name: 'websocket-test', log });
    closers.push(() => nc.drain());
    await ensureStreams(await jetstreamManager(nc));
    // Every instance of this stack shares one durable, as the instances of one deployment do.
    const consumerName = `websocket-test-${randomUUID().slice(0, 12)}`;

    async function startWs(settings: WsInstanceOptions = {}): Promise<WsInstance> {
      const config = loadWebSocketConfig({
        NODE_ENV: 'test',
        REDIS_URL: testStores.redisUrl,
        NATS_URL: natsUrl,
        NATS_CONSUMER_NAME: consumerName,
        INSTANCE_ID: `test-${randomUUID()}`,
        AUTH_GRPC_ADDR: fakes.auth.address,
        USER_GRPC_ADDR: settings.userAddress ?? fakes.user.address,
        CHAT_GRPC_ADDR: fakes.chat.address,
        MESSAGE_GRPC_ADDR: fakes.message.address,
        ...settings.env,
      });
      const instanceLog = testLogger('websocket-service');
      const opened: { name: string; close: () => unknown }[] = [];
      let handedOver = false;
      try {
        const redis: Redis = await connectRedis(config.redisUrl, instanceLog);
        opened.push({ name: 'redis', close: () => redis.quit() });
        const subscriber: Redis = await connectRedis(config.redisUrl, instanceLog);
        opened.push({ name: 'redis subscriber', close: () => subscriber.quit() });
        const ownNc = await connectNats({ url: natsUrl, name: 'websocket-service', log });
        opened.push({ name: 'nats', close: () => ownNc.drain() });
        const { grpcClients } = config;
        const app = buildWebSocketApp({
          config,
          redis,
          subscriber,
          nc: ownNc,
          clients: {
            auth: createGrpcClient(AuthService, grpcClients.auth),
            users: createGrpcClient(UserService, grpcClients.user),
            chats: createGrpcClient(ChatService, grpcClients.chat),
            messages: createGrpcClient(MessageService, grpcClients.message),
          },
          log: instanceLog,
          // NATS deletes this stack's durables a minute after its last instance stops.
          consumer: { inactiveThresholdMs: 60_000 },
        });
        // From here startService owns the clients: it closes them itself if it fails.
        handedOver = true;
        const running: RunningService = await startService(app, {
          log: instanceLog,
          listen: { host: '127.0.0.1', httpPort: 0 },
          clients: opened,
        });
        const instance: WsInstance = {
          url: (token) =>
            `ws://127.0.0.1:${running.httpPort}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`,
          stop: () => running.stop(),
        };
        instances.push(instance);
        return instance;
      } catch (error) {
        if (!handedOver) for (const client of opened.reverse()) await client.close();
        throw error;
      }
    }

    return {
      nc,
      js: jetstream(nc),
      natsUrl,
      auth,
      users,
      chats,
      fakes,
      startWs,
      /** A fresh signed-in user: a token the auth fake accepts, a profile in the user fake. */
      async login(profile: { display_name?: string } = {}): Promise<Session> {
        const session = auth.issue();
        users.add({
          id: session.id,
          phone: session.phone,
          display_name: profile.display_name ?? '',
        });
        return session;
      },
      makeDirectChat(userA: string, userB: string): TestChat {
        const memberIds = [userA, userB];
        return {
          id: chats.add(randomUUID(), 'direct', memberIds).chatId,
          type: 'direct',
          memberIds,
        };
      },
      /** A group, the creator its admin. */
      makeGroupChat(createdBy: string, memberIds: string[]): TestChat {
        const all = [createdBy, ...memberIds];
        return { id: chats.add(randomUUID(), 'group', all).chatId, type: 'group', memberIds: all };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type WsTestStack = Awaited<ReturnType<typeof startWsTestStack>>;

/** A user-service fake of its own over the same directory, so a test can cut one instance off. */
export const startUserLink = (stack: WsTestStack): Promise<GrpcFake<typeof UserService>> =>
  startGrpcFake(UserService, stack.users.implementation);
