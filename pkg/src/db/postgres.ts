import pg from 'pg';
import type { Logger } from '../log/index.ts';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;
/** Anything that runs a parameterised query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

export interface PgPoolSettings {
  url: string;
  max?: number;
  log: Logger;
  /**
   * `generic`: every statement is planned once per connection, for any parameters. For batched
   * writes (an `unnest` of each column, then index lookups): left to choose, PostgreSQL replanned
   * them on every execution, as an `unnest` of a parameter is estimated at 10 rows and each custom
   * plan of a smaller batch looked cheaper; that was a fifth of its CPU per message on the send
   * path (docs/benchmarks.md). Not for reads with optional filters (`$2 IS NULL OR …`), whose
   * generic plan cannot drop the filter: a history page took seconds. A table grown since its plan
   * was made is planned again once it is analyzed, which autovacuum does. Default `auto`.
   */
  plans?: 'auto' | 'generic';
}

/**
 * Each connection is replaced after 10 minutes, and its plans with it: where autovacuum is off,
 * nothing else would replan a statement first planned on a near-empty table (sequential scans).
 */
const GENERIC_PLANS = {
  options: '-c plan_cache_mode=force_generic_plan',
  maxLifetimeSeconds: 600,
};

export function createPgPool({ url, max = 10, log, plans = 'auto' }: PgPoolSettings): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(plans === 'generic' ? GENERIC_PLANS : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => log.warn({ err: error }, 'postgres idle client error'));
  return pool;
}

/** Runs `work` in a transaction, rolling back on any error. */
export async function withTransaction<T>(
  pool: PgPool,
  work: (client: PgClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function pingPostgres(pool: Queryable): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL error codes we translate into outcomes. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function pgErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined;
}

/** A pool that has answered once, so start-up fails clearly when PostgreSQL is unreachable. */
export async function connectPostgres(
  settings: { url: string; poolMax: number; plans?: PgPoolSettings['plans'] },
  log: Logger,
): Promise<PgPool> {
  const pool = createPgPool({
    url: settings.url,
    max: settings.poolMax,
    log,
    plans: settings.plans,
  });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined); // its idle connections would keep the process alive
    throw error;
  }
  return pool;
}

/** Of `poolMax` connections, how many serve batched writes: up to 4, at most half; none below 2. */
export function writeConnections(poolMax: number): number {
  return poolMax < 2 ? 0 : Math.min(4, Math.floor(poolMax / 2));
}

/** A service's connections, `poolMax` in all: most for reads, a few that plan writes once. */
export interface SplitPools {
  pool: PgPool;
  /** For batched writes (`plans: 'generic'`); the same pool when there are too few connections. */
  writes: PgPool;
  end: () => Promise<void>;
}

export async function connectPostgresSplit(
  settings: { url: string; poolMax: number },
  log: Logger,
): Promise<SplitPools> {
  const forWrites = writeConnections(settings.poolMax);
  const pool = await connectPostgres(
    { url: settings.url, poolMax: settings.poolMax - forWrites },
    log,
  );
  if (forWrites === 0) return { pool, writes: pool, end: async () => pool.end() };
  const writes = await connectPostgres(
    { url: settings.url, poolMax: forWrites, plans: 'generic' },
    log,
  ).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  return {
    pool,
    writes,
    end: async () => {
      await Promise.all([pool.end(), writes.end()]);
    },
  };
}
