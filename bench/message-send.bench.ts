// The message-service's own share of the send path (issue 5): gRPC `SendMessage` straight to the
// service (no gateway, no websocket-service), closed loop at a fixed concurrency, over 500 direct
// chats. Reports throughput, latency and CPU per message of each process, so a change to the
// service can be judged apart from the rest of the stack. `make bench` runs it; figures in
// docs/benchmarks.md. Knobs: BENCH_MESSAGES (4000), BENCH_CONCURRENCY (1,8,32).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createPgPool } from '@wa/pkg/db';
import { MessageService, createGrpcClient } from '@wa/pkg/grpc';
import { testLogger } from '@wa/pkg/testing';
import { measureCpu, stackGroups } from './support/cpu.ts';
import { machineNote, summarise } from './support/report.ts';
import { seedDirectChats } from './support/seed.ts';
import { benchStores, startBenchStack } from './support/stack.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 4_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const CHATS = 500;

async function seedChats(): Promise<{ chatId: string; senderId: string }[]> {
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log: testLogger('bench') });
  try {
    const pairs = await seedDirectChats(pool, CHATS, '+49154');
    return pairs.map((pair) => ({ chatId: pair.chatId, senderId: pair.first }));
  } finally {
    await pool.end();
  }
}

async function main() {
  console.log(`machine: ${machineNote()}`);
  const stack = await startBenchStack(['user-service', 'chat-service', 'message-service']);
  const groups = stackGroups(stack.pids, ['nats', 'ferretdb', 'postgres']);
  const client = createGrpcClient(MessageService, {
    address: stack.grpcAddress('message-service'),
    timeoutMs: 10_000,
  });
  const body = new TextEncoder().encode(JSON.stringify({ body: 'benchmark message' }));
  try {
    const chats = await seedChats();
    let next = 0;
    const sendOne = async () => {
      const chat = chats[next++ % chats.length];
      const began = performance.now();
      await client.sendMessage({
        chatId: chat.chatId,
        senderId: chat.senderId,
        type: 'text',
        payload: body,
        clientMsgId: randomUUID(),
      });
      return performance.now() - began;
    };
    // Warm-up: every chat's membership and block check cached, JIT warm.
    for (let i = 0; i < CHATS; i++) await sendOne();
    for (const concurrency of CONCURRENCY) {
      const latencies: number[] = [];
      let sent = 0;
      const cpu = measureCpu(groups);
      const began = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (sent < MESSAGES) {
            sent += 1;
            latencies.push(await sendOne());
          }
        }),
      );
      const seconds = (performance.now() - began) / 1_000;
      const report = cpu();
      const rate = latencies.length / seconds;
      const summary = summarise(latencies);
      const perMessage = Object.entries(report)
        .filter(([name]) => name !== 'machine')
        .map(([name, percent]) => `${name} ${((percent * 10) / rate).toFixed(2)}`)
        .join(', ');
      console.log(
        `\nconcurrency ${concurrency}: ${latencies.length} messages in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} msg/s; ` +
          `p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms\n` +
          `  cpu (% of one core): ${Object.entries(report)
            .map(([name, value]) => `${name} ${value}`)
            .join(', ')}\n` +
          `  cpu ms per message: ${perMessage}`,
      );
    }
  } finally {
    await stack.stop();
  }
}

await main();
