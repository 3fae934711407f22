import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMongoClient, createPgPool } from '@wa/pkg/db';
import { freePort, privateMongoUrl, randomPhone, testLogger, testStores } from '@wa/pkg/testing';
import { applyMongoIndexes } from '../../migrations/mongo/indexes.ts';

export { freePort };

const root = resolve(import.meta.dirname, '../..');

export interface RunningService {
  name: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `<name>/src/main.ts` as a real process and waits until its /health answers. */
export async function startService(
  name: string,
  httpPort: number,
  env: Record<string, string>,
): Promise<RunningService> {
  const child = spawn(process.execPath, [resolve(root, name, 'src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const service: RunningService = {
    name,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/health`);
      if (response.ok) return service;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await service.stop();
  throw new Error(`${name} did not become healthy:\n${output}`);
}

/** The services a test stack can run, in start order (each one's dependencies come first). */
export const STACK_SERVICES = [
  'auth-service',
  'user-service',
  'chat-service',
  'message-service',
  'websocket-service',
] as const;
export type StackService = (typeof STACK_SERVICES)[number];

/** How the gateway finds each upstream; one that is not running gets a closed port (503). */
const GATEWAY_UPSTREAMS: Record<string, string> = {
  'auth-service': 'AUTH_SERVICE_URL',
  'user-service': 'USER_SERVICE_URL',
  'chat-service': 'CHAT_SERVICE_URL',
  'message-service': 'MESSAGE_SERVICE_URL',
  'media-service': 'MEDIA_SERVICE_URL',
  'notification-service': 'NOTIFICATION_SERVICE_URL',
  'websocket-service': 'WEBSOCKET_SERVICE_URL',
};

export const STACK_JWT_SECRET = 'test-stack-secret-not-for-production';
export const STACK_OTP = '123456';

export interface StackStores {
  DATABASE_URL: string;
  REDIS_URL: string;
  NATS_URL: string;
  /** The server only; every stack gets a database of its own on it. */
  MONGO_URL: string;
}

export interface StackOptions {
  /** Which services run; auth-service is added (the gateway validates tokens with it). */
  services: StackService[];
  stores?: Partial<StackStores>;
  /** websocket-service processes, each behind its own gateway (default 1 when it runs). */
  websocketInstances?: number;
  /** Extra environment per service (api-gateway included), over the stack's own. */
  env?: Partial<Record<StackService | 'api-gateway', Record<string, string>>>;
  logLevel?: string;
  /**
   * PostgreSQL pool per service (default 4): test files run two at a time beside FerretDB's own
   * pool, and PostgreSQL allows 100 connections in all.
   */
  databasePoolMax?: number;
}

export interface StackSession {
  id: string;
  phone: string;
  token: string;
}

export interface WebsocketInstance {
  service: RunningService;
  /** Direct URL of this instance's /ws, with the token as query parameter when given. */
  url: (token?: string) => string;
}

export interface Stack {
  /** Gateway origins (http://127.0.0.1:port), one per websocket instance (at least one). */
  gateways: string[];
  gateway: string;
  /** `http://127.0.0.1:port` of a running service. */
  http: (service: StackService) => string;
  /** `127.0.0.1:port` of a service's gRPC server. */
  grpc: (service: Exclude<StackService, 'websocket-service'>) => string;
  websockets: WebsocketInstance[];
  services: RunningService[];
  /** This stack's own MongoDB database and outbox tables (one per service), dropped by `stop()`. */
  mongoUrl: string;
  outboxTables: { 'user-service': string; 'chat-service': string };
  stores: StackStores;
  /** Signs a fresh user in through the first gateway (mock SMS, fixed code). */
  login: () => Promise<StackSession>;
  /** One more websocket-service process on this stack's consumer (not behind a gateway). */
  startWebsocket: (env?: Record<string, string>) => Promise<WebsocketInstance>;
  /** Starts a service that `services` left out (e.g. the message-service after some tests). */
  startLater: (service: StackService, env?: Record<string, string>) => Promise<RunningService>;
  stop: () => Promise<void>;
}

/**
 * Real service processes and gateways on free ports, isolated from every other stack on the same
 * servers: chat and block events go through outbox tables of its own, messages into a MongoDB database of
 * its own, and the durable NATS consumers carry names of its own (removed by NATS a minute after
 * the stack stops). Without that, one stack's relay or consumer takes another stack's events.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
  const base = {
    DATABASE_URL: testStores.databaseUrl,
    REDIS_URL: testStores.redisUrl,
    NATS_URL: testStores.natsUrl,
    MONGO_URL: testStores.mongoUrl,
    ...options.stores,
  };
  const mongoUrl = privateMongoUrl(base.MONGO_URL, `stack_${suffix}`);
  const stores: StackStores = { ...base, MONGO_URL: mongoUrl };
  // Like the services' own tables (migration 0004): each service relays only its own events.
  const outboxTables = {
    'user-service': `outbox_stack_user_${suffix}`,
    'chat-service': `outbox_stack_chat_${suffix}`,
  };
  const wanted = new Set<StackService>(['auth-service', ...options.services]);
  const log = testLogger('stack');

  const ports = new Map<StackService, { http: number; grpc: number }>();
  for (const name of STACK_SERVICES)
    ports.set(name, { http: await freePort(), grpc: await freePort() });
  const grpcAddress = (name: StackService) => `127.0.0.1:${ports.get(name)!.grpc}`;
  const httpUrl = (name: StackService) => `http://127.0.0.1:${ports.get(name)!.http}`;
  const common = {
    LOG_LEVEL: options.logLevel ?? 'warn',
    AUTH_GRPC_ADDR: grpcAddress('auth-service'),
    USER_GRPC_ADDR: grpcAddress('user-service'),
    CHAT_GRPC_ADDR: grpcAddress('chat-service'),
    MESSAGE_GRPC_ADDR: grpcAddress('message-service'),
    NATS_CONSUMER_INACTIVE_SECONDS: '60',
  };
  const own: Record<StackService, Record<string, string>> = {
    'auth-service': {
      DATABASE_URL: stores.DATABASE_URL,
      REDIS_URL: stores.REDIS_URL,
      JWT_SECRET: STACK_JWT_SECRET,
      OTP_FIXED_CODE: STACK_OTP,
      BCRYPT_ROUNDS: '4',
    },
    'user-service': {
      DATABASE_URL: stores.DATABASE_URL,
      DATABASE_POOL_MAX: String(options.databasePoolMax ?? 4),
      REDIS_URL: stores.REDIS_URL,
      NATS_URL: stores.NATS_URL,
      OUTBOX_TABLE: outboxTables['user-service'],
    },
    'chat-service': {
      DATABASE_URL: stores.DATABASE_URL,
      DATABASE_POOL_MAX: String(options.databasePoolMax ?? 4),
      NATS_URL: stores.NATS_URL,
      OUTBOX_TABLE: outboxTables['chat-service'],
      NATS_CONSUMER_NAME: `chat-${suffix}`,
    },
    'message-service': {
      MONGO_URL: mongoUrl,
      NATS_URL: stores.NATS_URL,
      NATS_CONSUMER_NAME: `message-${suffix}`,
    },
    'websocket-service': {
      REDIS_URL: stores.REDIS_URL,
      NATS_URL: stores.NATS_URL,
      NATS_CONSUMER_NAME: `websocket-${suffix}`,
    },
  };
  const envOf = (name: StackService, extra: Record<string, string> = {}) => ({
    ...common,
    ...own[name],
    ...(name === 'websocket-service' ? {} : { GRPC_PORT: String(ports.get(name)!.grpc) }),
    ...options.env?.[name],
    ...extra,
  });

  const pool = createPgPool({ url: stores.DATABASE_URL, max: 1, log });
  const mongo = createMongoClient({ url: mongoUrl });
  const running: RunningService[] = [];
  const websockets: WebsocketInstance[] = [];
  const gateways: string[] = [];

  async function startWebsocket(env: Record<string, string> = {}): Promise<WebsocketInstance> {
    const port = await freePort();
    const service = await startService('websocket-service', port, envOf('websocket-service', env));
    running.push(service);
    const instance: WebsocketInstance = {
      service,
      url: (token) =>
        `ws://127.0.0.1:${port}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`,
    };
    websockets.push(instance);
    return instance;
  }

  async function startLater(name: StackService, env: Record<string, string> = {}) {
    const service = await startService(name, ports.get(name)!.http, envOf(name, env));
    running.push(service);
    return service;
  }

  async function startGateway(websocketPort: number | undefined): Promise<string> {
    const port = await freePort();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const upstreams = Object.fromEntries(
      Object.entries(GATEWAY_UPSTREAMS).map(([name, variable]) => [
        variable,
        wanted.has(name as StackService) && name !== 'websocket-service'
          ? httpUrl(name as StackService)
          : closed,
      ]),
    );
    running.push(
      await startService('api-gateway', port, {
        ...upstreams,
        ...(websocketPort ? { WEBSOCKET_SERVICE_URL: `http://127.0.0.1:${websocketPort}` } : {}),
        LOG_LEVEL: common.LOG_LEVEL,
        REDIS_URL: stores.REDIS_URL,
        AUTH_GRPC_ADDR: common.AUTH_GRPC_ADDR,
        RATE_LIMIT_IP_PER_MINUTE: '10000000',
        RATE_LIMIT_USER_PER_MINUTE: '10000000',
        ...options.env?.['api-gateway'],
      }),
    );
    return `http://127.0.0.1:${port}`;
  }

  async function stop(): Promise<void> {
    for (const service of running.reverse()) await service.stop();
    await pool
      .query(
        `DROP TABLE IF EXISTS ${outboxTables['user-service']}, ${outboxTables['chat-service']}`,
      )
      .catch(() => undefined);
    await pool.end();
    await mongo
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
  }

  try {
    // Always: a service started later (startLater) writes to them too.
    await pool.query(
      `CREATE TABLE ${outboxTables['user-service']} (LIKE user_outbox INCLUDING ALL)`,
    );
    await pool.query(
      `CREATE TABLE ${outboxTables['chat-service']} (LIKE chat_outbox INCLUDING ALL)`,
    );
    if (wanted.has('message-service')) {
      await mongo.connect();
      await applyMongoIndexes(mongo.db(), log);
    }
    // Dependencies first: a service may call another one's gRPC at start.
    for (const name of STACK_SERVICES) {
      if (wanted.has(name) && name !== 'websocket-service') await startLater(name);
    }
    const wsCount = wanted.has('websocket-service') ? (options.websocketInstances ?? 1) : 0;
    const instances = await Promise.all(Array.from({ length: wsCount }, () => startWebsocket()));
    const wsPorts = instances.map((instance) => Number(new URL(instance.url()).port));
    for (const wsPort of wsPorts.length ? wsPorts : [undefined])
      gateways.push(await startGateway(wsPort));
  } catch (error) {
    await stop();
    throw error;
  }

  async function login(): Promise<StackSession> {
    const phone = randomPhone();
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${gateways[0]}/api/v1/auth/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const envelope = (await response.json()) as {
        data: { user: { id: string }; access_token: string };
      };
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      return envelope.data;
    };
    await post('request-otp', { phone });
    const data = await post('verify-otp', { phone, otp: STACK_OTP });
    return { id: data.user.id, phone, token: data.access_token };
  }

  return {
    gateways,
    gateway: gateways[0],
    http: httpUrl,
    grpc: grpcAddress,
    websockets,
    services: running,
    mongoUrl,
    outboxTables,
    stores,
    login,
    startWebsocket,
    startLater,
    stop,
  };
}
