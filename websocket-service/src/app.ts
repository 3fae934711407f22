import {
  consumerWorker,
  createStreamPublisher,
  natsConnected,
  type ConsumerTuning,
  type NatsConnection,
} from '@wa/pkg/bus';
import { createStampReader } from '@wa/pkg/cache';
import { pingRedis, type Redis } from '@wa/pkg/db';
import {
  createChatParticipants,
  type AuthService,
  type ChatService,
  type Client,
  type MessageService,
  type UserService,
} from '@wa/pkg/grpc';
import { createServiceProbes, type ServiceProbes } from '@wa/pkg/health';
import { createHttpServer } from '@wa/pkg/http';
import type { Logger } from '@wa/pkg/log';
import { intervalWorker, type ServiceApp } from '@wa/pkg/service';
import type { WebSocketConfig } from './config.ts';
import { consumeBusEvents } from './handler/bus-events.ts';
import { createFrameHandlers } from './handler/frame-handlers.ts';
import { createWsMetrics } from './handler/ws-metrics.ts';
import { createWsServer } from './handler/ws-server.ts';
import { createAuthRemote } from './repository/auth-remote.ts';
import { createMessageRemote } from './repository/message-remote.ts';

import { createRealtimeStore } from './repository/realtime-store.ts';
import { createUserChannels } from './repository/user-channels.ts';
import { createUserRemote } from './repository/user-remote.ts';
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
  consumer?: ConsumerTuning;
  /** The service's probes, when main made them first (its gRPC clients report into them). */
  probes?: ServiceProbes;
}

/**
 * Builds the websocket-service without listening: the HTTP app (/health, /ready, /metrics) with
 * the WebSocket edge attached to its server, and the workers (Redis subscriptions, bus consumers,
 * presence sweep). Tests call it with their own deps.
 */
export function buildWebSocketApp({
  config,
  redis,
  subscriber,
  nc,
  clients,
  log,
  consumer,
  ...deps
}: WebSocketAppDeps) {
  const probes = deps.probes ?? createServiceProbes('websocket-service', config.health.liveness);
  const registry = createRegistry();
  const participants = createChatParticipants(clients.chats, createStampReader(redis, log));
  const users = createUserRemote(clients.users);
  const messages = createMessageRemote(clients.messages);
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
    users,
    js: createStreamPublisher(nc),
    store,
    instanceId: config.instanceId,
    log,
  });
  const sessions = createSessionService({
    registry,
    channels,
    presence,
    replay: createReplayService({
      messages,
      pageSize: config.ws.replayPageSize,
      log,
    }),
    log,
  });
  // Read at scrape time, once the server below exists.
  const wsMetrics = createWsMetrics(probes, () => ws.counts());
  const frames = createFrameHandlers({
    messaging: createMessagingService({
      messages,
      store,
      sendLimit: config.sendRateLimit,
      receiptBatchWaitMs: config.receiptBatchWaitMs,
      log,
    }),
    typing: createTypingService({ participants, store, channels }),
    presence,
    maxFrameBytes: config.ws.maxFrameBytes,
    log,
    onFrame: wsMetrics.frameIn,
  });
  const fanOut = createFanOutService({
    channels,
    store,
    presence,
    displayName: (userId) => users.displayName(userId),
    log,
  });
  const ws = createWsServer({
    settings: config.ws,
    authenticate: createAuthenticator(createAuthRemote(clients.auth)),
    sessions,
    frames,
    registry,
    onHeartbeat: (userIds) => presence.refresh(userIds),
    log,
    onSent: wsMetrics.frameOut,
  });

  const app = createHttpServer({
    service: 'websocket-service',
    log,
    probes,
    readiness: { redis: () => pingRedis(redis), nats: async () => natsConnected(nc) },
    readinessTimeoutMs: config.health.readinessTimeoutMs,
  });
  ws.attachTo(app.server);

  // Sockets are closed (1001) before the HTTP server stops, so clients reconnect elsewhere.
  app.addHook('preClose', async () => {
    await ws.close();
  });

  return {
    http: app,
    workers: [
      { name: 'redis channels', start: () => channels.start(), stop: () => undefined },
      consumerWorker('bus events', () =>
        consumeBusEvents({
          nc,
          durable: config.nats.consumerName,
          maxDeliver: config.nats.maxDeliver,
          probes,
          inactiveThresholdMs: consumer?.inactiveThresholdMs,
          fanOut,
          log,
        }),
      ),
      intervalWorker('presence sweep', config.presenceSweepMs, () => presence.sweepLapsed(), log),
    ],
    services: { ws, registry },
    probes,
  } satisfies ServiceApp;
}
