import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectNats, ensureStreams, jetstreamManager, STREAMS } from '@wa/pkg/bus';
import { createPgPool, createRedis, waitForRedis, type PgPool } from '@wa/pkg/db';
import {
  startNatsServer,
  startStack,
  testLogger,
  testStores,
  type TestNatsServer,
} from '@wa/pkg/testing';

/*
 * The isolation every test stack relies on, with no test-only setting in the services: a
 * PostgreSQL database and a redis-server of its own, and durable consumers that do not outlive it.
 * A private NATS, so the consumers seen are this stack's only.
 */
let nats: TestNatsServer;
let admin: PgPool;

before(async () => {
  nats = await startNatsServer();
  const nc = await connectNats({ url: nats.url, name: 'test-stack', log: testLogger() });
  await ensureStreams(await jetstreamManager(nc));
  await nc.close();
  const url = new URL(testStores.databaseUrl);
  url.pathname = '/postgres';
  admin = createPgPool({ url: url.toString(), max: 1, log: testLogger() });
});

after(async () => {
  await admin?.end();
  await nats?.destroy();
});

/** Durable consumers on every stream (the services' watchers are ephemeral, and not counted). */
async function durables(): Promise<string[]> {
  const nc = await connectNats({ url: nats.url, name: 'test-stack-probe', log: testLogger() });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for (const stream of STREAMS)
      for await (const info of jsm.consumers.list(stream.name))
        if (info.config.durable_name) names.push(`${stream.name}/${info.name}`);
    return names;
  } finally {
    await nc.close();
  }
}

const databaseExists = async (name: string) =>
  (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;

test('a stack has its own database and Redis, and stop() leaves none of them nor its consumers', async () => {
  const stack = await startStack({
    services: ['user-service', 'chat-service'],
    stores: { NATS_URL: nats.url },
  });
  const database = new URL(stack.stores.DATABASE_URL).pathname.slice(1);
  let stopped = false;
  try {
    assert.notEqual(stack.stores.DATABASE_URL, testStores.databaseUrl);
    assert.ok(await databaseExists(database), database);
    assert.notEqual(stack.stores.REDIS_URL, testStores.redisUrl);
    // The chat-service's durable on MESSAGES, named after the stack.
    const running = await durables();
    assert.equal(running.length, 1, running.join());
    assert.match(running[0], /^MESSAGES\/chat-/);
    await stack.stop();
    stopped = true;
    assert.deepEqual(await durables(), []);
    assert.equal(await databaseExists(database), false);
    const redis = createRedis({ url: stack.stores.REDIS_URL, log: testLogger() });
    try {
      await assert.rejects(waitForRedis(redis, 500));
    } finally {
      redis.disconnect();
    }
  } finally {
    if (!stopped) await stack.stop();
  }
});
