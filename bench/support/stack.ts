import { execFileSync } from 'node:child_process';
import { runner } from 'node-pg-migrate';
import { resolve } from 'node:path';
import { createPgPool, pgErrorCode } from '@wa/pkg/db';
import { randomPhone, testLogger, testStores } from '@wa/pkg/testing';
import { freePort, startService, type RunningService } from '../../e2e/support/stack.ts';

/** Every upstream the gateway knows, by service name → its URL variable. */
const UPSTREAM_VARIABLES = {
  'auth-service': 'AUTH_SERVICE_URL',
  'user-service': 'USER_SERVICE_URL',
  'chat-service': 'CHAT_SERVICE_URL',
  'message-service': 'MESSAGE_SERVICE_URL',
  'notification-service': 'NOTIFICATION_SERVICE_URL',
  'media-service': 'MEDIA_SERVICE_URL',
  'websocket-service': 'WEBSOCKET_SERVICE_URL',
} as const;

export type Upstream = keyof typeof UPSTREAM_VARIABLES;

export interface BenchStack {
  /** Origin of the gateway, e.g. http://127.0.0.1:41234 */
  gateway: string;
  grpcAddress: (service: Upstream) => string;
  /** Process id of each service, the gateway included. */
  pids: Record<string, number>;
  stop: () => Promise<void>;
}

/**
 * Stores the benchmarks use: a database of their own (never the tests' one, whose random phone
 * numbers seeded users would start colliding with), emptied at the start of every run so runs
 * start from the same state. BENCH_DATABASE_URL / BENCH_REDIS_URL override them.
 */
export const benchStores = {
  DATABASE_URL:
    process.env.BENCH_DATABASE_URL ??
    testStores.databaseUrl.replace(/\/[^/?]+(\?|$)/, '/whatsapp_bench$1'),
  REDIS_URL: process.env.BENCH_REDIS_URL ?? testStores.redisUrl,
};

const root = resolve(import.meta.dirname, '../..');
const PG_DUPLICATE_DATABASE = '42P04';
/** Services that keep data in MongoDB, so a stack with one of them needs its indexes. */
const MONGO_SERVICES: ReadonlySet<string> = new Set(['message-service', 'media-service']);

/** Creates the bench database if needed, migrates it, and removes every user (and what hangs off them). */
export async function prepareBenchDatabase(options: { mongo: boolean }): Promise<void> {
  const url = new URL(benchStores.DATABASE_URL);
  const database = url.pathname.slice(1);
  const admin = createPgPool({
    url: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
    log: testLogger('bench'),
  });
  try {
    await admin.query(`CREATE DATABASE "${database.replaceAll('"', '')}"`);
  } catch (error) {
    if (pgErrorCode(error) !== PG_DUPLICATE_DATABASE) throw error;
  } finally {
    await admin.end();
  }
  if (options.mongo) {
    // Both stores, as `make migrate` does; bounded, so a hung MongoDB fails the run with a message.
    execFileSync(process.execPath, [resolve(root, 'scripts/migrate.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'warn',
        DATABASE_URL: benchStores.DATABASE_URL,
        MONGO_URL: testStores.mongoUrl.replace(/\/[^/?]+(\?|$)/, '/whatsapp_bench$1'),
      },
      stdio: 'inherit',
      timeout: 120_000,
    });
  } else {
    // PostgreSQL only: a stack without a MongoDB-backed service must not wait on MongoDB.
    await runner({
      databaseUrl: benchStores.DATABASE_URL,
      dir: resolve(root, 'migrations/postgres'),
      migrationsTable: 'pgmigrations',
      direction: 'up',
      advisoryLockMode: 'wait',
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message) => console.warn(message),
        error: (message) => console.error(message),
      },
    });
  }
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log: testLogger('bench') });
  try {
    await pool.query('TRUNCATE users CASCADE');
  } finally {
    await pool.end();
  }
}

export const JWT_SECRET = 'bench-secret-not-for-production';

/**
 * One benchmark at a time on this machine and its PostgreSQL: runs share the bench database (each
 * empties it first) and would skew each other's CPU figures. Held on its own connection until the
 * returned function is called; a second run waits here.
 */
export async function acquireBenchLock(): Promise<() => Promise<void>> {
  const admin = new URL(benchStores.DATABASE_URL);
  admin.pathname = '/postgres';
  const pool = createPgPool({ url: admin.toString(), max: 1, log: testLogger('bench') });
  const client = await pool.connect();
  const key = "hashtext('wa-backend-bench')";
  const { rows } = await client.query<{ got: boolean }>(
    `SELECT pg_try_advisory_lock(${key}) AS got`,
  );
  if (!rows[0].got) {
    console.warn('another benchmark is running; waiting for it to finish');
    await client.query(`SELECT pg_advisory_lock(${key})`);
  }
  return async () => {
    await client.query(`SELECT pg_advisory_unlock(${key})`).catch(() => undefined);
    client.release();
    await pool.end();
  };
}

/**
 * Prepares the bench database, then starts the given services and a gateway in front of them as
 * real processes, on free ports.
 * auth-service always runs (the gateway validates tokens with it). The gateway's per-user and
 * per-IP limits are raised: one benchmark client is one IP and a few users, and the PRD's
 * 100 requests/minute would otherwise answer almost everything with 429.
 */
export async function startBenchStack(
  upstreams: Upstream[],
  env: Partial<Record<Upstream, Record<string, string>>> = {},
): Promise<BenchStack> {
  const names = [...new Set<Upstream>(['auth-service', ...upstreams])];
  const releaseLock = await acquireBenchLock();
  try {
    await prepareBenchDatabase({ mongo: names.some((name) => MONGO_SERVICES.has(name)) });
  } catch (error) {
    await releaseLock();
    throw error;
  }
  const logLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
  const ports = new Map<Upstream, { http: number; grpc: number }>();
  for (const name of names) ports.set(name, { http: await freePort(), grpc: await freePort() });
  const closed = `http://127.0.0.1:${await freePort()}`;
  // Every service reaches the others it calls by `<NAME>_GRPC_ADDR` (USER_GRPC_ADDR, …).
  const grpcAddresses = Object.fromEntries(
    names.map((name) => [
      `${name.split('-')[0].toUpperCase()}_GRPC_ADDR`,
      `127.0.0.1:${ports.get(name)!.grpc}`,
    ]),
  );

  const running: RunningService[] = [];
  const stop = async () => {
    for (const service of running.reverse()) await service.stop();
    await releaseLock();
  };
  try {
    for (const name of names) {
      const { http, grpc } = ports.get(name)!;
      running.push(
        await startService(name, http, {
          ...benchStores,
          ...grpcAddresses,
          LOG_LEVEL: logLevel,
          GRPC_PORT: String(grpc),
          ...(name === 'auth-service'
            ? { JWT_SECRET, OTP_FIXED_CODE: '123456', BCRYPT_ROUNDS: '4' }
            : {}),
          ...env[name],
        }),
      );
    }
    const upstreamUrls = Object.fromEntries(
      Object.entries(UPSTREAM_VARIABLES).map(([name, variable]) => {
        const port = ports.get(name as Upstream)?.http;
        return [variable, port ? `http://127.0.0.1:${port}` : closed];
      }),
    );
    const gatewayPort = await freePort();
    running.push(
      await startService('api-gateway', gatewayPort, {
        ...upstreamUrls,
        LOG_LEVEL: logLevel,
        REDIS_URL: benchStores.REDIS_URL,
        AUTH_GRPC_ADDR: `127.0.0.1:${ports.get('auth-service')!.grpc}`,
        RATE_LIMIT_USER_PER_MINUTE: '10000000',
        RATE_LIMIT_IP_PER_MINUTE: '10000000',
      }),
    );
    return {
      gateway: `http://127.0.0.1:${gatewayPort}`,
      grpcAddress: (service) => `127.0.0.1:${ports.get(service)!.grpc}`,
      pids: Object.fromEntries(running.map((service) => [service.name, service.process.pid!])),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface BenchSession {
  userId: string;
  phone: string;
  authorization: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- envelope data differs per route
type EnvelopeData = Record<string, any>;

async function postJson(url: string, body: unknown): Promise<EnvelopeData> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const envelope = (await response.json()) as { data: EnvelopeData };
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(envelope)}`);
  }
  return envelope.data;
}

/** Logs `count` new users in through the gateway (mock SMS provider, code 123456). */
export async function loginUsers(gateway: string, count: number): Promise<BenchSession[]> {
  const sessions: BenchSession[] = [];
  for (let i = 0; i < count; i++) {
    const phone = randomPhone();
    await postJson(`${gateway}/api/v1/auth/request-otp`, { phone });
    const data = await postJson(`${gateway}/api/v1/auth/verify-otp`, { phone, otp: '123456' });
    sessions.push({
      userId: data.user.id as string,
      phone,
      authorization: `Bearer ${data.access_token as string}`,
    });
  }
  return sessions;
}
