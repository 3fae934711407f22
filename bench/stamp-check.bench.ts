// What the read-your-writes stamps (pkg/src/cache/freshness.ts) add to every send: the
// message-service reads the chat's stamp and, in a direct chat, the other member's in one MGET,
// then serves its cached roster and block answer. Measured against a private redis-server (so no
// other client's load is counted): CPU of this process and of Redis per check, and the latency of
// one check, next to the plain TTL-cache hit it replaces. Knobs: BENCH_CHECKS (20000),
// BENCH_CONCURRENCY (1,32).
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import {
  chatStamp,
  createStampReader,
  createStampedCache,
  createTtlCache,
  userStamp,
} from '@wa/pkg/cache';
import { connectRedis, type Redis } from '@wa/pkg/db';
import { startRedisServer, testLogger } from '@wa/pkg/testing';
import { machineNote, summarise } from './support/report.ts';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
const CHATS = 500;

/** Redis's own CPU so far, in microseconds (INFO cpu: user + system of the server process). */
async function redisCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** Runs `check` CHECKS times, `concurrency` at a time; per-check CPU (here and in Redis) and latency. */
async function measure(redis: Redis, concurrency: number, check: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const redisBefore = await redisCpuMicros(redis);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CHECKS) {
        const i = next++;
        const at = performance.now();
        await check(i);
        latencies.push(performance.now() - at);
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = (await redisCpuMicros(redis)) - redisBefore;
  const latency = summarise(latencies);
  return {
    perSecond: Math.round((CHECKS / elapsed) * 1000),
    clientCpuMicros: (cpu.user + cpu.system) / CHECKS,
    redisCpuMicros: redisCpu / CHECKS,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
  };
}

async function main() {
  console.log(`machine: ${machineNote()}`);
  const server = await startRedisServer();
  const log = testLogger('bench');
  const redis = await connectRedis(server.url, log);
  try {
    const chats = Array.from({ length: CHATS }, () => ({
      chat: randomUUID(),
      other: randomUUID(),
    }));
    const stamps = createStampReader(redis, log);
    const stamped = createStampedCache<string, boolean>({ maxEntries: 10_000, ttlMs: 600_000 });
    const plain = createTtlCache<string, boolean>({ maxEntries: 10_000, ttlMs: 600_000 });
    const load = () => Promise.resolve(false);
    // Warm: every stamp exists and every answer is cached, as in steady traffic.
    for (const { chat, other } of chats) {
      const read = await stamps.read([chatStamp(chat), userStamp(other)]);
      await stamped.getOrLoad(chat, read?.[0], load);
      await plain.getOrLoad(chat, load);
    }

    const rows: string[] = [];
    for (const concurrency of CONCURRENCY) {
      const before = await measure(redis, concurrency, (i) =>
        plain.getOrLoad(chats[i % CHATS].chat, load),
      );
      const after = await measure(redis, concurrency, async (i) => {
        const { chat, other } = chats[i % CHATS];
        const read = await stamps.read([chatStamp(chat), userStamp(other)]);
        return stamped.getOrLoad(chat, read?.[0], load);
      });
      for (const [name, r] of [
        ['TTL-cache hit (before)', before],
        ['stamp check + hit (after)', after],
      ] as const)
        rows.push(
          `| ${name} | ${concurrency} | ${r.perSecond.toLocaleString('en')} | ` +
            `${r.clientCpuMicros.toFixed(1)} | ${r.redisCpuMicros.toFixed(1)} | ` +
            `${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} |`,
        );
    }
    console.log(
      [
        `${CHECKS} checks per row, ${CHATS} chats, private redis-server`,
        '| Check | Concurrency | Checks/s | CPU µs per check (this process) | Redis CPU µs per check | p50 ms | p99 ms |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    );
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

await main();
