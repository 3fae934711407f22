// Benchmark of the notification-service (issue 14): `msg.new` events for direct chats published
// straight to JetStream at a fixed rate (the service's own input, so the message-service's cost is
// not in the figures), every recipient offline with one device, pushes accepted by the FCM
// emulator this process runs. Latency is from the event's `timestamp` to the emulator receiving
// the push (the same clock). CPU per push by process. Figures and method in docs/benchmarks.md.
// Knobs: BENCH_RATES (100,300,600,1000 events/s), BENCH_DURATION_SECONDS (20), BENCH_PAIRS (2000),
// BENCH_QUIET_WAIT_SECONDS (300, 0 = no wait), BENCH_LOG_LEVEL.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectNats, jetstream, type EventPayload } from '@wa/pkg/bus';
import { createPgPool } from '@wa/pkg/db';
import { testLogger } from '@wa/pkg/testing';
import { measureCpu, waitForQuietMachine } from './support/cpu.ts';
import { machineNote, summarise } from './support/report.ts';
import { seedDirectChats, type SeededPair } from './support/seed.ts';
import { benchStackGroups, benchStores, startBenchStack } from './support/stack.ts';

const RATES = (process.env.BENCH_RATES ?? '100,300,600,1000').split(',').map(Number);
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 2000);
const QUIET_WAIT_SECONDS = Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? 300);
/** How long after the last event the pushes still due may take before the run counts them lost. */
const DRAIN_SECONDS = 30;
const TICK_MS = 10;
const WARM_UP_RATE = 100;
const WARM_UP_SECONDS = 5;

async function main() {
  console.log(`machine: ${process.env.BENCH_MACHINE ?? ''}${machineNote()}`);
  let pairs: SeededPair[] = [];
  const stack = await startBenchStack(
    ['user-service', 'chat-service', 'notification-service'],
    {},
    {
      async beforeStart() {
        const pool = createPgPool({ url: benchStores.DATABASE_URL, log: testLogger('bench') });
        try {
          pairs = await seedDirectChats(pool, PAIRS, '+49157');
          // One device per recipient, as the app registers it.
          await pool.query(
            `INSERT INTO device_tokens (user_id, token)
             SELECT u, 'bench-' || u FROM unnest($1::uuid[]) AS u`,
            [pairs.map((pair) => pair.second)],
          );
        } finally {
          await pool.end();
        }
      },
    },
  );
  const emulator = stack.fcm?.emulator;
  if (!emulator) throw new Error('the bench stack runs no FCM emulator');
  const nc = await connectNats({
    url: stack.stores.NATS_URL,
    name: 'push-bench',
    log: testLogger('bench'),
  });
  const js = jetstream(nc);
  const groups = benchStackGroups(stack.pids, ['postgres', 'nats', 'redis']);
  try {
    for (const [index, rate] of [WARM_UP_RATE, ...RATES].entries()) {
      // The first run warms up (JIT, connection pools, each chat's first GetParticipants): not reported.
      const warmUp = index === 0;
      const duration = warmUp ? WARM_UP_SECONDS : DURATION;
      if (!warmUp && QUIET_WAIT_SECONDS > 0 && !(await waitForQuietMachine(15, QUIET_WAIT_SECONDS)))
        console.warn(`${rate}/s: the machine stayed busy with other work; see "others" below`);
      emulator.clear();
      const cpu = measureCpu(groups);
      const started = performance.now();
      const total = rate * duration;
      const perTick = (rate * TICK_MS) / 1_000;
      let published = 0;
      const publishing: Promise<unknown>[] = [];
      for (let tick = 0; published < total; tick++) {
        const due = Math.min(total, Math.round((tick + 1) * perTick));
        for (; published < due; published++) {
          const pair = pairs[published % pairs.length];
          const event: EventPayload<'msg.new'> = {
            event_id: randomUUID(),
            timestamp: new Date().toISOString(),
            message_id: randomUUID(),
            chat_id: pair.chatId,
            sender_id: pair.first,
            type: 'text',
            payload: { body: `bench ${published}` },
            recipient_ids: [pair.second],
          };
          publishing.push(js.publish('msg.new', JSON.stringify(event), { msgID: event.event_id }));
        }
        const wait = started + (tick + 1) * TICK_MS - performance.now();
        if (wait > 0) await sleep(wait);
      }
      await Promise.all(publishing);
      const publishSeconds = (performance.now() - started) / 1_000;
      const deadline = Date.now() + DRAIN_SECONDS * 1_000;
      while (emulator.messages().length < total && Date.now() < deadline) await sleep(100);
      const seconds = (performance.now() - started) / 1_000;
      const report = cpu();
      if (warmUp) continue;
      const pushes = emulator.messages().filter((push) => push.status === 200);
      const latencies = pushes.map((push) => {
        const data = (push.message as { data: { timestamp: string } }).data;
        return Date.parse(push.received_at) - Number(data.timestamp);
      });
      const lastAt = Math.max(...pushes.map((push) => Date.parse(push.received_at)));
      const firstAt = Math.min(...pushes.map((push) => Date.parse(push.received_at)));
      const latency = summarise(latencies);
      const { machine, others, ...perGroup } = report;
      console.log(
        `\n${rate} events/s for ${duration} s (published in ${publishSeconds.toFixed(1)} s): ` +
          `${pushes.length}/${total} pushed, ${(pushes.length / ((lastAt - firstAt) / 1_000)).toFixed(0)} pushes/s ` +
          `over ${((lastAt - firstAt) / 1_000).toFixed(1)} s`,
      );
      console.log(
        `  event → FCM accept ms: p50 ${latency.p50} p95 ${latency.p95} p99 ${latency.p99} max ${latency.max}`,
      );
      const perPush = Object.entries(perGroup)
        .map(([group, percent]) => {
          const ms = ((percent / 100) * seconds * 1_000) / Math.max(1, pushes.length);
          return `${group} ${ms.toFixed(2)}`;
        })
        .join(', ');
      console.log(`  CPU ms per push: ${perPush}; others ${others}%, machine ${machine}% busy`);
      if (pushes.length < total)
        console.log(`  ${total - pushes.length} not pushed within ${DRAIN_SECONDS} s`);
    }
  } finally {
    await nc.drain();
    await stack.stop();
  }
}

await main();
