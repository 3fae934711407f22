import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectNats, ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import {
  startNatsServer,
  startRedisServer,
  startStack,
  testLogger,
  type Stack,
  type TestNatsServer,
  type TestRedisServer,
} from '@wa/pkg/testing';
import { runChaos } from '../scripts/chaos/harness.ts';
import { markdownTable } from '../scripts/chaos/report.ts';

/*
 * The short form of `make chaos` (issue 11): a small steady load of sends among clients that
 * behave as real ones (reconnect with backoff, resend with the same client_msg_id, acknowledge
 * and read), with the message-service, one of two websocket-service instances and NATS killed -9
 * and restarted in turn. Nothing acknowledged may be lost, nothing stored twice.
 */

let nats: TestNatsServer;
let redis: TestRedisServer;
let stack: Stack | undefined;

before(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  const nc = await connectNats({ url: nats.url, name: 'chaos-test', log: testLogger() });
  await ensureStreams(await jetstreamManager(nc));
  await nc.close();
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    stores: { NATS_URL: nats.url, REDIS_URL: redis.url },
    websocketInstances: 2,
  });
});

after(async () => {
  await stack?.stop();
  await Promise.allSettled([nats?.destroy(), redis?.stop()]);
});

test(
  'under load, killing the message-service, a websocket-service and NATS loses and duplicates nothing',
  { timeout: 420_000 },
  async (t) => {
    const lines: string[] = [];
    const result = await runChaos({
      stack: stack!,
      servers: { nats },
      faults: ['message-service', 'websocket-service', 'nats'],
      load: { users: 24, rate: 10, directChats: 8, groups: 2, groupSize: 5, restShare: 0.2 },
      warmupMs: 3_000,
      baselineMs: 3_000,
      downMs: 1_000,
      normalMs: 2_000,
      maxRecoveryMs: 45_000,
      drainMs: 30_000,
      log: (line) => lines.push(line),
    });
    const report = `${markdownTable(result.rows)}\n${result.problems.slice(0, 20).join('\n')}\n${lines.join('\n')}`;
    t.diagnostic(report);
    assert.equal(result.rows.length, 3, report);
    for (const row of result.rows) {
      assert.ok(row.acknowledged > 0, report);
      assert.equal(row.lost, 0, report);
      assert.equal(row.duplicates, 0, report);
      assert.notEqual(row.recoveryMs, undefined, report);
    }
    assert.equal(result.fatalCloses, 0, report);
  },
);
