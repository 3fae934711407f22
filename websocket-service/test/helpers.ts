import {
  connectNats,
  ensureStreams,
  jetstream,
  jetstreamManager,
  type NatsConnection,
} from '@wa/pkg/bus';
import { createPgPool, type PgPool } from '@wa/pkg/db';
import {
  startStack,
  testLogger,
  type SpawnedService as RunningService,
  type WebsocketInstance,
} from '@wa/pkg/testing';

export { TestSocket, type ReceivedFrame } from '@wa/pkg/testing';

export interface Session {
  id: string;
  token: string;
}

export type WsInstance = WebsocketInstance;

export interface WsTestStack {
  pool: PgPool;
  nc: NatsConnection;
  js: ReturnType<typeof jetstream>;
  natsUrl: string;
  login(): Promise<Session>;
  startWs(env?: Record<string, string>): Promise<WsInstance>;
  userHttp: string;
  grpc: { auth: string; user: string; chat: string; message: string };
  /** Starts the message-service (for send/receipt/backlog tests). */
  startMessageService(): Promise<RunningService>;
  stop(): Promise<void>;
}

/**
 * Real auth-, user- and chat-service processes on the test stores (isolated from other stacks,
 * see startStack), and a factory for websocket-service processes sharing this stack's durable
 * consumer.
 */
export async function startWsTestStack(options: { natsUrl?: string } = {}): Promise<WsTestStack> {
  const stack = await startStack({
    services: ['user-service', 'chat-service'],
    stores: options.natsUrl ? { NATS_URL: options.natsUrl } : {},
  });
  const log = testLogger('websocket-test');
  const nc = await connectNats({ url: stack.stores.NATS_URL, name: 'websocket-service-test', log });
  await ensureStreams(await jetstreamManager(nc));
  const pool = createPgPool({ url: stack.stores.DATABASE_URL, max: 2, log });
  return {
    pool,
    nc,
    js: jetstream(nc),
    natsUrl: stack.stores.NATS_URL,
    userHttp: stack.http('user-service'),
    grpc: {
      auth: stack.grpc('auth-service'),
      user: stack.grpc('user-service'),
      chat: stack.grpc('chat-service'),
      message: stack.grpc('message-service'),
    },
    login: stack.login,
    startWs: (env = {}) => stack.startWebsocket(env),
    startMessageService: () => stack.startLater('message-service'),
    async stop() {
      await stack.stop();
      await nc.drain();
      await pool.end();
    },
  };
}
