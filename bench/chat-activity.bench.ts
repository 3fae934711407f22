// The chat-service's msg.new consumer (issue 4/5): how fast the chat list's last message and
// unread counts keep up with message traffic. N msg.new events for 500 direct chats are published
// to JetStream as fast as it acknowledges them; the figure is the time until every one is logged in
// chat_message_log, with CPU per event of the chat-service and PostgreSQL. `make bench` runs it;
// figures in docs/benchmarks.md. Knobs: BENCH_EVENTS (20000).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectNats, eventMeta, jetstream, publishEvent } from '@wa/pkg/bus';
import { createPgPool } from '@wa/pkg/db';
import { testLogger, testStores } from '@wa/pkg/testing';
import { measureCpu, type ProcessGroups } from './support/cpu.ts';
import { machineNote } from './support/report.ts';
import { seedDirectChats } from './support/seed.ts';
import { benchStores, startBenchStack } from './support/stack.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const CHATS = 500;

async function main() {
  console.log(`machine: ${machineNote()}`);
  const stack = await startBenchStack(['user-service', 'chat-service']);
  const groups: ProcessGroups = {
    'chat-service': { pids: [stack.pids['chat-service']] },
    'load generator': { pids: [process.pid] },
    nats: { command: 'nats-server' },
    postgres: { command: 'postgres' },
  };
  const log = testLogger('bench');
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log });
  const nc = await connectNats({ url: testStores.natsUrl, name: 'chat-activity-bench', log });
  const js = jetstream(nc);
  try {
    const chats = await seedDirectChats(pool, CHATS, '+49155');
    const logged = async () =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM chat_message_log WHERE chat_id = ANY($1::uuid[])',
          [chats.map((chat) => chat.chatId)],
        )
      ).rows[0].n;
    const cpu = measureCpu(groups);
    const began = performance.now();
    const start = Date.now();
    for (let offset = 0; offset < EVENTS; offset += 500)
      await Promise.all(
        Array.from({ length: Math.min(500, EVENTS - offset) }, (_, i) => {
          const chat = chats[(offset + i) % chats.length];
          return publishEvent(js, 'msg.new', {
            ...eventMeta(new Date(start + offset + i)),
            message_id: randomUUID(),
            chat_id: chat.chatId,
            sender_id: chat.first,
            type: 'text',
            payload: { body: 'benchmark' },
            recipient_ids: [chat.second],
          });
        }),
      );
    const published = performance.now() - began;
    while ((await logged()) < EVENTS) await sleep(100);
    const seconds = (performance.now() - began) / 1_000;
    const report = cpu();
    const rate = EVENTS / seconds;
    console.log(
      `${EVENTS} msg.new over ${CHATS} chats: published in ${(published / 1_000).toFixed(1)} s, all recorded after ${seconds.toFixed(1)} s = ${rate.toFixed(0)} events/s\n` +
        `  cpu (% of one core): ${Object.entries(report)
          .map(([name, value]) => `${name} ${value}`)
          .join(', ')}\n` +
        `  cpu ms per event: chat-service ${((report['chat-service'] * 10) / rate).toFixed(2)}, postgres ${((report.postgres * 10) / rate).toFixed(2)}`,
    );
  } finally {
    await nc.drain();
    await pool.end();
    await stack.stop();
  }
}

await main();
