import { runner } from 'node-pg-migrate';
import { portOf, stackGroups, type ProcessGroups } from './cpu.ts';
import { resolve } from 'node:path';
import { createPgPool, pgErrorCode } from '@wa/pkg/db';
import { randomPhone, testLogger, testStores } from '@wa/pkg/testing';
import {
  STACK_JWT_SECRET,
  startStack,
  type Stack,
  type StackOptions,
  type StackService,
  type StackStores,
} from '@wa/pkg/testing';

export interface BenchStack {
  /** Origin of the gateway, e.g. http://127.0.0.1:41234 */
  gateway: string;
  grpcAddress: Stack['grpc'];
  /** The (first) websocket-service's own /ws URL, bypassing the gateway. */
  websocketUrl: (token?: string) => string;
  /** The run's own MongoDB database (dropped by stop()). */
  mongoUrl: string;
  /** Process id of each service, the gateway included. */
  pids: Record<string, number>;
  /** What the services use (`MESSAGE_STORE_URL`: the bench database, or the run's MongoDB one). */
  stores: StackStores;
  /** The FCM emulator the notification-service pushes to, when it runs (in this process). */
  fcm: Stack['fcm'];
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

/** Creates the bench database if needed, migrates it, and removes every user (and what hangs off them). */
export async function prepareBenchDatabase(): Promise<void> {
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
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log: testLogger('bench') });
  try {
    // The message tables hold no foreign key to users: without them every run's messages would pile up.
    await pool.query(
      'TRUNCATE users, messages, message_recipients, message_hidden, message_stars, message_outbox CASCADE',
    );
  } finally {
    await pool.end();
  }
}

export const JWT_SECRET = STACK_JWT_SECRET;

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
 * BENCH_CPU_PROFILE_DIR=<dir> makes every service (the gateway included) write a V8 CPU profile
 * there when it stops; open them in Chrome DevTools or summarise them with any .cpuprofile reader.
 */
function withProfiling(upstreams: StackService[], env: StackOptions['env']): StackOptions['env'] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  const extra = process.env.BENCH_NODE_OPTIONS;
  if (!dir && !extra) return env;
  const profiled: StackOptions['env'] = { ...env };
  for (const name of [...upstreams, 'auth-service', 'api-gateway'] as const) {
    const interval = process.env.BENCH_CPU_PROFILE_INTERVAL_US ?? 1000;
    const profiling = dir
      ? `--cpu-prof --cpu-prof-interval=${interval} --cpu-prof-dir=${resolve(dir, name)}`
      : '';
    profiled[name] = {
      NODE_OPTIONS: [profiling, extra ?? ''].join(' ').trim(),
      ...env?.[name],
    };
  }
  return profiled;
}

/**
 * Prepares the bench database, then starts the given services and a gateway in front of them as
 * real processes, on free ports (see startStack: a MongoDB database, an outbox table and consumer
 * names of the run's own). auth-service always runs (the gateway validates tokens with it). The
 * gateway's per-user and per-IP limits are raised: one benchmark client is one IP and a few users,
 * and the PRD's 100 requests/minute would otherwise answer almost everything with 429.
 */
export async function startBenchStack(
  upstreams: StackService[],
  env: StackOptions['env'] = {},
  hooks: {
    /** Runs under the lock once the bench database is ready, before any service starts (seeding). */
    beforeStart?: () => Promise<void>;
  } = {},
): Promise<BenchStack> {
  const releaseLock = await acquireBenchLock();
  try {
    await prepareBenchDatabase();
    await hooks.beforeStart?.();
    const stack = await startStack({
      services: upstreams,
      stores: benchStores,
      env: withProfiling(upstreams, env),
      logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
      databasePoolMax: 10,
      // Tracing on, every span exported there (OTLP over HTTP, e.g. a Jaeger's :4318).
      otlpEndpoint: process.env.BENCH_OTLP_ENDPOINT,
    });
    return {
      gateway: stack.gateway,
      grpcAddress: stack.grpc,
      websocketUrl: (token) => stack.websockets[0].url(token),
      mongoUrl: stack.mongoUrl,
      stores: stack.stores,
      fcm: stack.fcm,
      pids: Object.fromEntries(
        stack.services.map((service) => [service.name, service.process.pid!]),
      ),
      stop: async () => {
        await stack.stop();
        await releaseLock();
      },
    };
  } catch (error) {
    await releaseLock();
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

/**
 * The CPU groups of a bench stack: its services, the load generator, the named stores (NATS and
 * Redis by the bench's ports), and the bench database's own PostgreSQL backends apart, since the
 * server is shared with other databases' users (found again at the end of each window, as pools
 * open connections when they need them).
 */
export function benchStackGroups(
  pids: Record<string, number>,
  stores: Parameters<typeof stackGroups>[1],
): ProcessGroups {
  return {
    ...stackGroups(pids, stores, {
      nats: portOf(testStores.natsUrl),
      redis: portOf(benchStores.REDIS_URL),
    }),
    'postgres (bench db)': {
      command: 'postgres',
      argument: new URL(benchStores.DATABASE_URL).pathname.slice(1),
      partOf: 'postgres',
    },
  };
}
