import { jetstream, natsConnected, type NatsConnection } from '@wa/pkg/bus';
import { pingRedis, type Redis } from '@wa/pkg/db';
import type { AuthService, ChatService, Client, MessageService, UserService } from '@wa/pkg/grpc';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import type { WebSocketConfig } from './config.ts';
import { consumeBusEvents } from './handler/bus-events.ts';
import { createFrameHandlers } from './handler/frame-handlers.ts';
import { createWsServer } from './handler/ws-server.ts';
import { createParticipants } from './repository/participants.ts';
import { createRealtimeStore } from './repository/realtime-store.ts';
import { createUserChannels } from './repository/user-channels.ts';
import { createAuthenticator } from './service/authenticator.ts';
import { createFanOutService } from './service/fan-out-service.ts';
import { createMessagingService } from './service/messaging-service.ts';
import { createPresenceService } from './service/presence-service.ts';
import { createRegistry } from './service/registry.ts';
import { createReplayService } from './service/replay-service.ts';
import { createSessionService } from './service/session-service.ts';
import { createTypingService } from './service/typing-service.ts';

export interface WebSocketAppDeps {
  config: WebSocketConfig;
  redis: Redis;
  /** A second Redis connection, used only in subscriber mode. */
  subscriber: Redis;
  nc: NatsConnection;
  clients: {
    auth: Client<typeof AuthService>;
    users: Client<typeof UserService>;
    chats: Client<typeof ChatService>;
    messages: Client<typeof MessageService>;
  };
  log: Logger;
}

/**
 * Builds the websocket-service without listening: the HTTP app (/health, /ready, /metrics) with
 * the WebSocket edge attached to its server, and `start()` for the Redis subscriptions and the bus
 * consumers. Tests call it with their own deps; `stop()` runs the shutdown order of house style.
 */
export function buildWebSocketApp({
  config,
  redis,
  subscriber,
  nc,
  clients,
  log,
}: WebSocketAppDeps) {
  const registry = createRegistry();
  const participants = createParticipants(clients.chats);
  const store = createRealtimeStore(redis);
  const channels = createUserChannels({
    redis,
    subscriber,
    log,
    onFrame: (userId, frame) => {
      for (const connection of registry.connectionsOf(userId)) connection.push(frame);
    },
    onChatInvalidated: (chatId) => participants.invalidate(chatId),
    heldUserIds: () => registry.userIds(),
    onResubscribed: () => void sessions.recover(),
  });
  const presence = createPresenceService({
    users: clients.users,
    js: jetstream(nc),
    store,
    instanceId: config.instanceId,
    log,
  });
  const sessions = createSessionService({
    registry,
    channels,
    presence,
    replay: createReplayService({
      messages: clients.messages,
      pageSize: config.ws.replayPageSize,
      log,
    }),
    log,
  });
  const frames = createFrameHandlers({
    messaging: createMessagingService({
      messages: clients.messages,
      store,
      sendLimit: config.sendRateLimit,
      log,
    }),
    typing: createTypingService({ participants, store, channels }),
    presence,
    maxFrameBytes: config.ws.maxFrameBytes,
    log,
  });
  const fanOut = createFanOutService({
    channels,
    store,
    presence,
    displayName: async (userId) => (await clients.users.getUser({ userId })).displayName,
    log,
  });
  const ws = createWsServer({
    settings: config.ws,
    authenticate: createAuthenticator(clients.auth),
    sessions,
    frames,
    registry,
    onHeartbeat: (userIds) => presence.refresh(userIds),
    log,
  });

  const app = createHttpServer({
    service: 'websocket-service',
    log,
    readiness: async () => ({ redis: await pingRedis(redis), nats: natsConnected(nc) }),
  });
  ws.attachTo(app.server);

  let consumer: Awaited<ReturnType<typeof consumeBusEvents>> | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  const sweepLapsed = () =>
    presence.sweepLapsed().catch((error: unknown) => {
      log.warn({ err: error }, 'presence sweep failed; next round retries');
    });
  return {
    app,
    ws,
    registry,
    async start(): Promise<void> {
      await channels.start();
      consumer = await consumeBusEvents({
        nc,
        durable: config.nats.consumerName,
        inactiveThresholdMs: config.nats.inactiveThresholdMs,
        fanOut,
        log,
      });
      if (config.presenceSweepMs > 0)
        sweepTimer = setInterval(() => void sweepLapsed(), config.presenceSweepMs);
    },
    /** Stop accepting and close sockets (1001), then drain the bus consumers. */
    async stop(): Promise<void> {
      clearInterval(sweepTimer);
      await ws.close();
      await app.close();
      await consumer?.stop();
    },
  };
}

export type WebSocketApp = ReturnType<typeof buildWebSocketApp>;
