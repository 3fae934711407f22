import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  PG_UNIQUE_VIOLATION,
  createMongoClient,
  connectPostgresSplit,
  createPgPool,
  createRedis,
  pgErrorCode,
  pingMongo,
  pingPostgres,
  pingRedis,
  waitForRedis,
  withTransaction,
  type MongoClient,
  type PgPool,
  writeConnections,
  type Redis,
} from '@wa/pkg/db';
import { makeUser, startRedisServer, testLogger, testStores } from '@wa/pkg/testing';

const log = testLogger();
let pool: PgPool;
let redis: Redis;
let mongo: MongoClient;

before(async () => {
  pool = createPgPool({ url: testStores.databaseUrl, log });
  redis = createRedis({ url: testStores.redisUrl, log });
  await waitForRedis(redis);
  mongo = createMongoClient({ url: testStores.mongoUrl });
  await mongo.connect();
});
after(async () => {
  await pool.end();
  await redis.quit();
  await mongo.close();
});

test('each store answers its ping', async () => {
  assert.equal(await pingPostgres(pool), true);
  assert.equal(await pingRedis(redis), true);
  assert.equal(await pingMongo(mongo), true);
});

test('parameterised queries treat input as data, never as SQL', async () => {
  const hostile = "'; DROP TABLE users; --";
  const { rows } = await pool.query<{ v: string }>('SELECT $1::text AS v', [hostile]);
  assert.equal(rows[0]?.v, hostile);
  assert.equal(
    (await pool.query("SELECT to_regclass('users') IS NOT NULL AS present")).rows[0].present,
    true,
  );
});

test("a service's connections are split, within its maximum, into reads and writes planned once", async () => {
  assert.deepEqual(
    [1, 2, 4, 10, 20].map(writeConnections),
    [0, 1, 2, 4, 4],
    'up to 4, at most half, none below 2',
  );
  const split = await connectPostgresSplit({ url: testStores.databaseUrl, poolMax: 10 }, log);
  try {
    const mode = async (on: PgPool) =>
      (await on.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0].plan_cache_mode;
    assert.equal(await mode(split.writes), 'force_generic_plan');
    assert.equal(await mode(split.pool), 'auto');
    const options = (on: PgPool) =>
      (on as unknown as { options: { max: number; maxLifetimeSeconds: number } }).options;
    assert.equal(options(split.pool).max + options(split.writes).max, 10);
    // The writes' plans are made again on fresh connections, whether or not autovacuum analyzes.
    assert.equal(options(split.writes).maxLifetimeSeconds, 600);
  } finally {
    await split.end();
  }
  const single = await connectPostgresSplit({ url: testStores.databaseUrl, poolMax: 1 }, log);
  assert.equal(single.writes, single.pool, 'one connection is not split');
  await single.end();
});

test('withTransaction rolls back when the work throws', async () => {
  const phone = `+1555${Date.now() % 10_000_000}`;
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO users (phone) VALUES ($1)', [phone]);
      throw new Error('abort');
    }),
    /abort/,
  );
  assert.equal((await pool.query('SELECT 1 FROM users WHERE phone = $1', [phone])).rowCount, 0);
});

test('a unique violation is recognisable by its code', async () => {
  const user = await makeUser(pool);
  const error = await pool
    .query('INSERT INTO users (phone) VALUES ($1)', [user.phone])
    .catch((e: unknown) => e);
  assert.equal(pgErrorCode(error), PG_UNIQUE_VIOLATION);
});

test('the PRD schema is migrated', async () => {
  const { rows } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
  );
  const tables = new Set(rows.map((r) => r.table_name));
  for (const table of [
    'users',
    'contacts',
    'chats',
    'chat_participants',
    'groups',
    'device_tokens',
    'refresh_tokens',
    'privacy_settings',
  ]) {
    assert.ok(tables.has(table), `missing table ${table}`);
  }
});

test('documents round-trip through the MongoDB driver (FerretDB here, MongoDB 7 in compose)', async () => {
  const collection = mongo
    .db()
    .collection<{ message_id: string; body: string }>(`it_${randomUUID().slice(0, 8)}`);
  try {
    const id = randomUUID();
    await collection.insertOne({ message_id: id, body: 'hello' });
    assert.equal((await collection.findOne({ message_id: id }))?.body, 'hello');
  } finally {
    await collection.drop();
  }
});

test('commands fail fast instead of queueing while Redis is unreachable', async () => {
  const dead = createRedis({ url: 'redis://127.0.0.1:1', log });
  const started = Date.now();
  await assert.rejects(dead.get('x'));
  assert.ok(Date.now() - started < 2_000);
  dead.disconnect();
});

/** Read events the Redis server has processed: one per write its clients' sockets delivered. */
async function readsProcessed(client: Redis): Promise<number> {
  const stats = await client.info('stats');
  return Number(/total_reads_processed:(\d+)/.exec(stats)?.[1]);
}

test('commands issued in one turn of the event loop reach Redis in one write', async () => {
  // A private server: the shared one counts every other test's reads too.
  const server = await startRedisServer();
  const client = createRedis({ url: server.url, log });
  try {
    await waitForRedis(client);
    const before = await readsProcessed(client);
    const keys = Array.from({ length: 50 }, (_, i) => `turn:${i}`);
    await Promise.all(keys.map((key, i) => client.set(key, String(i))));
    const values = await Promise.all(keys.map((key) => client.get(key)));
    assert.deepEqual(
      values,
      keys.map((_, i) => String(i)),
    );
    // The SETs, the GETs and the INFO reading the figure: three reads, not 101.
    assert.equal((await readsProcessed(client)) - before, 3);
  } finally {
    client.disconnect();
    await server.stop();
  }
});
