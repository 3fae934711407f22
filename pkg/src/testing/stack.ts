import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMongoClient } from '../db/index.ts';
import {
  createServiceAccount,
  startFcmEmulator,
  writeServiceAccountFile,
  type FcmEmulator,
} from '../fcm-emulator/index.ts';
import { applyMongoIndexes } from '../../../migrations/mongo/indexes.ts';
import { freePort } from './ports.ts';
import { spawnService, type SpawnedService } from './service-process.ts';
import { createStackDatabase, deleteConsumers, dropStackDatabase } from './stack-stores.ts';
import { privateMongoUrl, testLogger, testStores } from './stores.ts';
import { startRedisServer } from './redis-server.ts';
import { consumerNameOf, loginThrough, stackEnv, tracingEnv } from './stack-env.ts';

/** The services a test stack can run, in start order (each one's dependencies come first). */
export const STACK_SERVICES = [
  'auth-service',
  'user-service',
  'chat-service',
  'media-service',
  'message-service',
  'notification-service',
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

export { STACK_JWT_SECRET, STACK_OTP } from './stack-env.ts';

export interface StackStores {
  /** This stack's own PostgreSQL database (a copy of the template), unless the caller named one. */
  DATABASE_URL: string;
  /** This stack's own redis-server, unless the caller named one. */
  REDIS_URL: string;
  NATS_URL: string;
  /** This stack's own MongoDB database. */
  MONGO_URL: string;
  /** The message-service's store: this stack's PostgreSQL database, or its MongoDB one (TEST_MESSAGE_STORE). */
  MESSAGE_STORE_URL: string;
  /** The media-service's store, chosen the same way. */
  MEDIA_STORE_URL: string;
}

export interface StackOptions {
  /** Which services run; auth-service is added (the gateway validates tokens with it). */
  services: StackService[];
  /**
   * Servers to use instead of the test ones. A `DATABASE_URL` or `REDIS_URL` given here is used as
   * it is (the caller owns its isolation, as the benchmarks do); otherwise the stack copies the
   * template database and starts a redis-server of its own.
   * `MONGO_URL` names the server: the stack always gets a database of its own on it.
   */
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
  /**
   * The FCM the notification-service pushes to. Without it the stack starts an emulator of its
   * own (`stack.fcm.emulator`) with a fresh service account.
   */
  fcm?: StackFcm;
  /** An OTLP/HTTP endpoint every process (gateway included) exports its spans to. */
  otlpEndpoint?: string;
}

export interface StackFcm {
  /** FCM's origin, e.g. an emulator's `http://127.0.0.1:port`. */
  url: string;
  /** A service-account JSON whose `token_uri` that FCM trusts. */
  credentialsPath: string;
  /** The stack's own emulator, when it started one. */
  emulator?: FcmEmulator;
}

export interface StackSession {
  id: string;
  phone: string;
  token: string;
}

export interface WebsocketInstance {
  service: SpawnedService;
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
  services: SpawnedService[];
  /** This stack's own MongoDB database, dropped by `stop()` (the same as `stores.MONGO_URL`). */
  mongoUrl: string;
  /** What the services use: seed data through `stores.DATABASE_URL`, never the shared test database. */
  stores: StackStores;
  /** Signs a fresh user in through the first gateway (mock SMS, fixed code). */
  login: () => Promise<StackSession>;
  /** One more websocket-service process on this stack's consumer (not behind a gateway). */
  startWebsocket: (env?: Record<string, string>) => Promise<WebsocketInstance>;
  /** One more process of a running service, on ports of its own (e.g. a second notification-service). */
  startInstance: (service: StackService, env?: Record<string, string>) => Promise<SpawnedService>;
  /** Starts a service that `services` left out (e.g. the message-service after some tests). */
  startLater: (service: StackService, env?: Record<string, string>) => Promise<SpawnedService>;
  /** Where the notification-service pushes, when it runs. */
  fcm: StackFcm | undefined;
  /** Stops every process, deletes its durable consumers, drops its databases. */
  stop: () => Promise<void>;
}

/**
 * Real service processes and gateways on free ports, isolated from every other stack on the same
 * servers without any test-only setting: a PostgreSQL database of its own (so its outbox relays
 * publish only its own events), a MongoDB database and a redis-server of its own, and durable NATS
 * consumers named after it (deleted on stop). Without that, one stack's relay, consumer or sweep
 * takes another's events. The streams stay shared: match events on ids the test created.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
  const databaseName = `stack_${suffix}`;
  const ownDatabase = options.stores?.DATABASE_URL === undefined;
  const base = {
    REDIS_URL: testStores.redisUrl,
    NATS_URL: testStores.natsUrl,
    MONGO_URL: testStores.mongoUrl,
    ...options.stores,
  };
  const mongoUrl = privateMongoUrl(base.MONGO_URL, databaseName);
  const wanted = new Set<StackService>(['auth-service', ...options.services]);
  const consumers = (['chat', 'media', 'message', 'notification', 'websocket'] as const).map(
    (service) => consumerNameOf(service, suffix),
  );
  const log = testLogger('stack');

  const ports = new Map<StackService, { http: number; grpc: number }>();
  for (const name of STACK_SERVICES)
    ports.set(name, { http: await freePort(), grpc: await freePort() });
  const grpcAddress = (name: StackService) => `127.0.0.1:${ports.get(name)!.grpc}`;
  const httpUrl = (name: StackService) => `http://127.0.0.1:${ports.get(name)!.http}`;

  // A Redis of its own unless given one: presence's expiry index is one key, and another stack's
  // sweep would take this stack's lapsed users and record their last seen in its own database.
  const redis = options.stores?.REDIS_URL === undefined ? await startRedisServer() : undefined;
  let databaseUrl: string;
  try {
    databaseUrl =
      options.stores?.DATABASE_URL ??
      (await createStackDatabase(testStores.databaseUrl, databaseName));
  } catch (error) {
    await redis?.stop();
    throw error;
  }
  const documentStore = testStores.messageStore === 'mongodb' ? mongoUrl : databaseUrl;
  const stores: StackStores = {
    ...base,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis?.url ?? base.REDIS_URL,
    MONGO_URL: mongoUrl,
    MESSAGE_STORE_URL: options.stores?.MESSAGE_STORE_URL ?? documentStore,
    MEDIA_STORE_URL: options.stores?.MEDIA_STORE_URL ?? documentStore,
  };
  let fcm = options.fcm;
  let fcmDirectory: string | undefined;
  if (!fcm && wanted.has('notification-service')) {
    const emulator = await startFcmEmulator();
    fcmDirectory = await mkdtemp(join(tmpdir(), 'stack-fcm-'));
    const account = createServiceAccount({
      projectId: `stack-${suffix}`,
      tokenUri: `${emulator.url}/token`,
    });
    emulator.trust(account);
    const credentialsPath = join(fcmDirectory, 'service-account.json');
    await writeServiceAccountFile(credentialsPath, account);
    fcm = { url: emulator.url, credentialsPath, emulator };
  }
  const envOf = stackEnv({ options, stores, suffix, grpcAddress, ports, fcm });
  const mongo = createMongoClient({ url: mongoUrl });
  const running: SpawnedService[] = [];
  const websockets: WebsocketInstance[] = [];
  const gateways: string[] = [];

  async function startWebsocket(env: Record<string, string> = {}): Promise<WebsocketInstance> {
    const port = await freePort();
    const service = await spawnService('websocket-service', port, envOf('websocket-service', env));
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
    for (let attempt = 1; ; attempt++) {
      try {
        const service = await spawnService(name, ports.get(name)!.http, envOf(name, env));
        running.push(service);
        return service;
      } catch (error) {
        // Ports are picked before the services bind them, one after another over seconds: a test
        // file running beside this one may take one meanwhile. New ports, before any dependent
        // service has been given the old address.
        if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
        ports.set(name, { http: await freePort(), grpc: await freePort() });
      }
    }
  }

  async function startInstance(name: StackService, env: Record<string, string> = {}) {
    const ownPorts = { GRPC_PORT: String(await freePort()) };
    const service = await spawnService(
      name,
      await freePort(),
      envOf(name, { ...ownPorts, ...env }),
    );
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
      await spawnService('api-gateway', port, {
        ...upstreams,
        ...(websocketPort ? { WEBSOCKET_SERVICE_URL: `http://127.0.0.1:${websocketPort}` } : {}),
        LOG_LEVEL: options.logLevel ?? 'warn',
        REDIS_URL: stores.REDIS_URL,
        AUTH_GRPC_ADDR: grpcAddress('auth-service'),
        RATE_LIMIT_IP_PER_MINUTE: '10000000',
        RATE_LIMIT_USER_PER_MINUTE: '10000000',
        ...tracingEnv(options),
        ...options.env?.['api-gateway'],
      }),
    );
    return `http://127.0.0.1:${port}`;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const service of running.reverse()) await service.stop();
      await deleteConsumers(stores.NATS_URL, consumers);
      if (ownDatabase) await dropStackDatabase(testStores.databaseUrl, databaseName);
      await redis?.stop();
      if (fcmDirectory) {
        await fcm?.emulator?.close();
        await rm(fcmDirectory, { recursive: true, force: true });
      }
      await mongo
        .db()
        .dropDatabase()
        .catch(() => undefined);
      await mongo.close();
    })());

  try {
    const onMongo = (
      [
        ['message-service', stores.MESSAGE_STORE_URL],
        ['media-service', stores.MEDIA_STORE_URL],
      ] as const
    ).some(([name, url]) => wanted.has(name) && url.startsWith('mongodb'));
    if (onMongo) {
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

  return {
    gateways,
    gateway: gateways[0],
    http: httpUrl,
    grpc: grpcAddress,
    websockets,
    services: running,
    mongoUrl,
    stores,
    login: () => loginThrough(gateways[0]),
    startWebsocket,
    startLater,
    startInstance,
    fcm,
    stop,
  };
}
