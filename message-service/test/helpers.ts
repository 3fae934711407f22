import { randomUUID } from 'node:crypto';
import {
  connectNats,
  eventMeta,
  jetstream,
  publishEvent,
  type NatsConnection,
  type OutboxTuning,
} from '@wa/pkg/bus';
import {
  chatStamp,
  createStampReader,
  createStampWriter,
  userStamp,
  type StampWriter,
} from '@wa/pkg/cache';
import { connectRedis, type Redis } from '@wa/pkg/db';
import { ChatService, MediaService, UserService, createGrpcClient } from '@wa/pkg/grpc';
import { createServiceProbes } from '@wa/pkg/health';
import { startService } from '@wa/pkg/service';
import {
  createChatDirectory,
  createUserDirectory,
  inject,
  randomPhone,
  startGrpcFake,
  testLogger,
  testStores,
  type ChatDirectory,
  type FakeChat,
  type GrpcFake,
  type TestChat,
  type TestUser,
  type UserDirectory,
} from '@wa/pkg/testing';
import { buildMessageApp } from '../src/app.ts';
import type { ReadReceiptsLookup } from '../src/service/receipt-service.ts';
import { createMediaDirectory, type MediaDirectory } from './media-directory-fake.ts';
import { openTestStore, type StoreKind, type TestMessageStore } from './test-stores.ts';

/**
 * The user-, chat- and media-service as fakes in the test process: membership, roles, blocks,
 * names, read-receipt settings and uploads are what the test seeds, answered over real gRPC
 * servers. Users, chats and uploads exist only there; the message-service keeps no copy of any.
 */
export async function startNeighbours() {
  const users: UserDirectory = createUserDirectory();
  const chats: ChatDirectory = createChatDirectory();
  const media: MediaDirectory = createMediaDirectory();
  const userServer: GrpcFake<typeof UserService> = await startGrpcFake(
    UserService,
    users.implementation,
  );
  const chatServer = await startGrpcFake(ChatService, chats.implementation).catch(
    async (error: unknown) => {
      await userServer.close();
      throw error;
    },
  );
  const mediaServer = await startGrpcFake(MediaService, media.implementation).catch(
    async (error: unknown) => {
      await Promise.all([userServer.close(), chatServer.close()]);
      throw error;
    },
  );

  const makeUser = (overrides: Partial<Omit<TestUser, 'id'>> = {}): TestUser => {
    const user = {
      id: randomUUID(),
      phone: overrides.phone ?? randomPhone(),
      display_name: overrides.display_name ?? 'Test User',
    };
    users.add(user);
    return user;
  };
  return {
    users,
    chats,
    media,
    userServer,
    chatServer,
    mediaServer,
    makeUser,
    makeUsers: (count: number): TestUser[] => Array.from({ length: count }, () => makeUser()),
    /** A direct chat between two users, as the chat-service's GetParticipants will show it. */
    makeDirectChat(userA: string, userB: string): TestChat {
      const chat = chats.add(randomUUID(), 'direct', [userA, userB]);
      return { id: chat.chatId, type: 'direct', memberIds: [userA, userB] };
    },
    /** A group, the creator its admin (as pkg/testing's makeGroupChat writes one). */
    makeGroupChat(options: {
      createdBy: string;
      memberIds: string[];
      adminIds?: string[];
      isAdminOnly?: boolean;
    }): TestChat & { chat: FakeChat } {
      const chat = chats.set({
        chatId: randomUUID(),
        type: 'group',
        isAdminOnly: options.isAdminOnly,
        participants: [options.createdBy, ...options.memberIds].map((userId, i) => ({
          userId,
          role: i === 0 || options.adminIds?.includes(userId) ? 'admin' : 'member',
        })),
      });
      const memberIds = [options.createdBy, ...options.memberIds];
      return { id: chat.chatId, type: 'group', memberIds, chat };
    },
    /** An upload by `uploaderId` as the media-service's GetMediaMetadata will describe it. */
    makeUpload: media.add,
    close: () => Promise.all([userServer.close(), chatServer.close(), mediaServer.close()]),
  };
}

export type Neighbours = Awaited<ReturnType<typeof startNeighbours>>;

export interface MessageAppOptions {
  /** Shared by several instances in one file; by default the app has fakes of its own. */
  neighbours?: Neighbours;
  natsUrl?: string;
  /** Which adapter stores the messages (TEST_MESSAGE_STORE, postgres by default); a fresh database, dropped on close. */
  store?: StoreKind;
  readReceipts?: ReadReceiptsLookup;
  membershipTtlMs?: number;
  /** The relay's tuning over the tests' own (a 50 ms sweep). */
  outbox?: OutboxTuning;
  /** Where the chat and user stamps live; the test Redis by default. */
  redisUrl?: string;
}

/** How a neighbour's change reaches the message-service (see setBlocked). */
export interface ChangeOptions {
  announce?: boolean;
  renew?: boolean;
}

/**
 * A message app over its store (test-stores.ts) and NATS, run by `startService` (gRPC on a free port) with its
 * relay and cache watcher; chat events are consumed only where a test asks. `close()` frees all.
 */
export async function startMessageApp(options: MessageAppOptions = {}) {
  const log = testLogger('message-service');
  const neighbours = options.neighbours ?? (await startNeighbours());
  const probes = createServiceProbes('message-service');
  // A database of its own: the outbox relay must never publish another test file's events.
  let store: TestMessageStore | undefined;
  let nc: NatsConnection | undefined;
  let redis: Redis | undefined;
  const clients = [
    { name: 'fakes', close: () => (options.neighbours ? undefined : neighbours.close()) },
    { name: 'message store', close: () => store?.dispose() },
    { name: 'nats', close: () => nc?.close() },
    { name: 'redis', close: () => redis?.disconnect() },
  ];
  let handedOver = false;
  try {
    store = await openTestStore(options.store, { progress: probes.watchdog.tracker('store') });
    redis = await connectRedis(options.redisUrl ?? testStores.redisUrl, log);
    nc = await connectNats({
      url: options.natsUrl ?? testStores.natsUrl,
      name: 'message-service-test',
      log,
    });
    const built = buildMessageApp({
      config: {
        nats: { url: '', consumerName: 'unused', maxDeliver: 10 },
        membershipCache: { ttlMs: options.membershipTtlMs ?? 30_000, maxEntries: 1_000 },
        outbox: {
          sweepIntervalMs: 50,
          maxBackoffMs: 300,
          publishTimeoutMs: 1_000,
          ...options.outbox,
        },
      },
      store: store.store,
      probes,
      nc,
      chats: createGrpcClient(ChatService, {
        address: neighbours.chatServer.address,
        timeoutMs: 2_000,
      }),
      users: createGrpcClient(UserService, {
        address: neighbours.userServer.address,
        timeoutMs: 2_000,
      }),
      media: createGrpcClient(MediaService, {
        address: neighbours.mediaServer.address,
        timeoutMs: 2_000,
      }),
      stamps: createStampReader(redis, log),
      log,
      readReceipts: options.readReceipts,
    });
    // The relay and the cache watcher; chat events are consumed only where a test asks for them.
    const workers = built.workers.filter((worker) => worker.name !== 'chat events');
    // From here startService owns the clients: it closes them itself if it fails.
    handedOver = true;
    const running = await startService(
      { ...built, workers },
      { log, listen: { host: '127.0.0.1', httpPort: 0, grpcPort: 0 }, clients },
    );
    const js = jetstream(nc);
    const stamps: StampWriter = createStampWriter(redis);
    return {
      ...built.services,
      ...neighbours,
      /**
       * What the user-service does on a block or unblock: answer CheckBlocked anew, renew the
       * blocker's stamp before answering, and publish the event after the commit. `announce:
       * false` is an event that has not arrived yet; `renew: false` a renewal Redis refused.
       */
      async setBlocked(
        blockerId: string,
        blockedId: string,
        blocked: boolean,
        { announce = true, renew = true }: ChangeOptions = {},
      ) {
        if (blocked) neighbours.users.block(blockerId, blockedId);
        else neighbours.users.unblock(blockerId, blockedId);
        if (renew) await stamps.renew([userStamp(blockerId)]);
        if (!announce) return;
        const payload = { ...eventMeta(), blocker_id: blockerId, blocked_id: blockedId };
        await publishEvent(js, blocked ? 'user.blocked' : 'user.unblocked', payload);
      },
      /** What the user-service does on a privacy change: answer anew, renew the user's stamp. */
      async setReadReceipts(userId: string, on: boolean, { renew = true }: ChangeOptions = {}) {
        neighbours.users.user(userId).read_receipts = on;
        if (renew) await stamps.renew([userStamp(userId)]);
      },
      /** What the chat-service does when `removedBy` removes `userId` from a group. */
      async removeMember(
        chatId: string,
        userId: string,
        removedBy: string,
        { announce = true, renew = true }: ChangeOptions = {},
      ) {
        neighbours.chats.removeParticipant(chatId, userId);
        if (renew) await stamps.renew([chatStamp(chatId)]);
        if (!announce) return;
        await publishEvent(js, 'group.member.removed', {
          ...eventMeta(),
          chat_id: chatId,
          user_id: userId,
          removed_by: removedBy,
          participant_ids: neighbours.chats.chat(chatId)!.participants.map((p) => p.userId),
        });
      },
      neighbours,
      app: built.http,
      grpcRoutes: built.grpc,
      store: store.store,
      storeUrl: store.url,
      nc,
      redis,
      grpcAddress: `127.0.0.1:${running.grpcPort}`,
      close: () => running.stop(),
    };
  } catch (error) {
    if (!handedOver) for (const client of [...clients].reverse()) await client.close();
    throw error;
  }
}

export type MessageHarness = Awaited<ReturnType<typeof startMessageApp>>;

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
