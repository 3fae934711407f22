import { randomInt, randomUUID } from 'node:crypto';
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createRedis, waitForRedis, type Redis } from '@wa/pkg/db';
import { AuthService, createGrpcClient, createGrpcServer } from '@wa/pkg/grpc';
import { createLogger, type Logger } from '@wa/pkg/log';
import { testLogger, testStores } from '@wa/pkg/testing';
import { buildGatewayApp } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';
import type { ServiceName } from '../src/model/routes.ts';

/** Per-test values so tests never share a rate-limit bucket. */
export const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type UpstreamHandler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

/** Answers every request with a success envelope naming the service and echoing what it got. */
const echo =
  (name: string): UpstreamHandler =>
  (request, response, body) => {
    response.writeHead(200, {
      'content-type': 'application/json',
      'x-request-id': 'upstream-made-this-up',
    });
    response.end(
      JSON.stringify({
        success: true,
        data: { service: name, method: request.method, url: request.url, body },
        error: null,
        meta: { request_id: request.headers['x-request-id'], timestamp: new Date().toISOString() },
      }),
    );
  };

/** A real HTTP server standing in for one downstream service. */
export async function startUpstream(name: string, handler: UpstreamHandler = echo(name)) {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      });
      handler(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Upstream = Awaited<ReturnType<typeof startUpstream>>;

/** The URL of a port nothing listens on (connections are refused). */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface IssuedToken {
  userId: string;
  phone: string;
  expiresAt: number;
}

/**
 * A real gRPC AuthService whose answers the test controls (the real auth-service end to end is
 * tested elsewhere). Unknown tokens are answered `valid: false`, as the real one does.
 */
export async function startAuthStandIn() {
  const tokens = new Map<string, IssuedToken>();
  const calls: string[] = [];
  const server = createGrpcServer({
    log: testLogger('auth-stand-in'),
    routes: (router) => {
      router.service(AuthService, {
        validateToken(request) {
          calls.push(request.token);
          const issued = tokens.get(request.token);
          if (!issued) return { valid: false };
          return {
            valid: true,
            userId: issued.userId,
            phone: issued.phone,
            expiresAt: BigInt(issued.expiresAt),
          };
        },
      });
    },
  });
  const port = await server.listen(0, '127.0.0.1');
  return {
    address: `127.0.0.1:${port}`,
    calls,
    /** Registers a fresh valid token for a fresh user. */
    issue(overrides: Partial<IssuedToken> = {}) {
      const token = `token-${randomUUID()}`;
      const issued: IssuedToken = {
        userId: randomUUID(),
        phone: '+4915112345678',
        expiresAt: Math.floor(Date.now() / 1000) + 900,
        ...overrides,
      };
      tokens.set(token, issued);
      return { token, ...issued };
    },
    close: () => server.close(),
  };
}

export type AuthStandIn = Awaited<ReturnType<typeof startAuthStandIn>>;

const SERVICE_ENV: Record<ServiceName, string> = {
  'auth-service': 'AUTH_SERVICE_URL',
  'user-service': 'USER_SERVICE_URL',
  'chat-service': 'CHAT_SERVICE_URL',
  'message-service': 'MESSAGE_SERVICE_URL',
  'notification-service': 'NOTIFICATION_SERVICE_URL',
  'media-service': 'MEDIA_SERVICE_URL',
  'websocket-service': 'WEBSOCKET_SERVICE_URL',
};

/** Log lines written by the gateway, parsed, for tests that check what is (not) logged. */
export function captureLogs(level = 'info'): {
  log: Logger;
  lines: Record<string, unknown>[];
  raw: string[];
} {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger({ service: 'api-gateway', level, destination });
  return {
    log,
    raw,
    get lines() {
      return raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

export interface GatewayOptions {
  /** Service → origin; services left out point at a refused port. */
  services?: Partial<Record<ServiceName, string>>;
  env?: Record<string, string>;
  /** Defaults to a fresh stand-in; pass a `host:port` to point elsewhere (an unreachable port, say). */
  authAddress?: string;
  redisUrl?: string;
  log?: Logger;
}

/** A gateway over the real Redis, a gRPC auth stand-in and the given upstreams; `close()` releases all of it. */
export async function startGateway(options: GatewayOptions = {}) {
  const refused = await refusedUrl();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: options.redisUrl ?? testStores.redisUrl,
    RATE_LIMIT_IP_PER_MINUTE: '100000',
    RATE_LIMIT_USER_PER_MINUTE: '100000',
    UPSTREAM_TIMEOUT_MS: '2000',
    HEALTH_TIMEOUT_MS: '500',
  };
  for (const [name, variable] of Object.entries(SERVICE_ENV) as [ServiceName, string][]) {
    env[variable] = options.services?.[name] ?? refused;
  }
  const auth = options.authAddress ? undefined : await startAuthStandIn();
  env.AUTH_GRPC_ADDR = options.authAddress ?? auth!.address;
  const config = loadGatewayConfig({ ...env, ...options.env });

  const log = options.log ?? testLogger('api-gateway');
  const redis: Redis = createRedis({ url: config.redisUrl, log });
  if (!options.redisUrl) await waitForRedis(redis);
  const authClient = createGrpcClient(AuthService, {
    address: config.grpcClients.auth.address,
    timeoutMs: 1_000,
  });
  const app = (await buildGatewayApp({ config, redis, authClient, log })).http;
  await app.ready();
  return {
    app,
    auth,
    config,
    redis,
    close: async () => {
      await app.close();
      redis.disconnect();
      await auth?.close();
    },
  };
}

export type Gateway = Awaited<ReturnType<typeof startGateway>>;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
