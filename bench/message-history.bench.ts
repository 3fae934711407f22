// Load benchmark of message history through the gateway: GET /api/v1/chats/:id/messages on one
// chat of 100,000 messages (first page, pages deep in the chat by cursor, pages of 100).
// `make bench` runs it; figures and method are in docs/benchmarks.md (## message-service).
// Knobs: BENCH_DURATION_SECONDS (20), BENCH_RATE (200), BENCH_MESSAGES (100000), BENCH_LOG_LEVEL,
// TEST_MONGO_URL (the MongoDB/FerretDB server; the run gets a database of its own on it).
// FerretDB v1 cannot push the sort/limit down, so 100,000 messages overload it: use a MongoDB 7, or
// BENCH_MESSAGES=2000 BENCH_RATE=5 on FerretDB (see docs/benchmarks.md).
import { randomUUID } from 'node:crypto';
import { createMongoClient } from '@wa/pkg/db';
import { newMessageDoc } from '../message-service/src/model/message.ts';
import type { ProcessGroups } from './support/cpu.ts';
import type { BenchRequest } from './support/fixed-rate.ts';
import { cpuLines, machineNote, markdownTable, saveRun } from './support/report.ts';
import { createScenarioRunner } from './support/scenarios.ts';
import { loginUsers, startBenchStack, type BenchSession } from './support/stack.ts';

const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const WARMUP_SECONDS = 5;
const BATCH = 5_000;

/** The same cursor format the service hands out: base64url of `<created_at ms>:<message_id>`. */
const cursorOf = (at: Date, id: string) =>
  Buffer.from(`${at.getTime()}:${id}`).toString('base64url');

/**
 * 100,000 text messages in one direct chat, alternating senders, one second apart, written
 * straight to MongoDB in batches (the shape the service writes). Returns cursors spread evenly
 * through the chat for the deep-page scenario.
 */
async function seedMessages(
  mongoUrl: string,
  chatId: string,
  a: string,
  b: string,
): Promise<string[]> {
  const mongo = createMongoClient({ url: mongoUrl });
  await mongo.connect();
  try {
    const messages = mongo.db().collection('messages');
    await messages.deleteMany({});
    const start = Date.now() - MESSAGES * 1_000;
    const cursors: string[] = [];
    for (let offset = 0; offset < MESSAGES; offset += BATCH) {
      const docs = Array.from({ length: Math.min(BATCH, MESSAGES - offset) }, (_, i) => {
        const n = offset + i;
        const sender = n % 2 ? a : b;
        const recipient = n % 2 ? b : a;
        const at = new Date(start + n * 1_000);
        const doc = newMessageDoc(
          chatId,
          [recipient],
          {
            sender_id: sender,
            client_msg_id: randomUUID(),
            type: 'text',
            payload: { body: `Bench message number ${n} with a few more words in it` },
          },
          at,
        );
        if (n % 997 === 0) cursors.push(cursorOf(at, doc.message_id));
        // Old history: read by its recipient long ago.
        return {
          ...doc,
          status: { [recipient]: { status: 'read' as const, updated_at: at } },
          undelivered_to: [],
        };
      });
      await messages.insertMany(docs, { ordered: false });
    }
    return cursors;
  } finally {
    await mongo.close();
  }
}

async function createChat(gateway: string, a: BenchSession, b: BenchSession): Promise<string> {
  const response = await fetch(`${gateway}/api/v1/chats`, {
    method: 'POST',
    headers: { authorization: a.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'direct', participant_id: b.userId }),
  });
  const envelope = (await response.json()) as { data: { chat_id: string } };
  if (!response.ok) throw new Error(`create chat answered ${response.status}`);
  return envelope.data.chat_id;
}

async function main() {
  console.log(`machine: ${process.env.BENCH_MACHINE ?? ''}${machineNote()}`);
  const stack = await startBenchStack(['user-service', 'chat-service', 'message-service']);
  try {
    const [alice, bob] = await loginUsers(stack.gateway, 2);
    const chatId = await createChat(stack.gateway, alice, bob);
    const seeded = Date.now();
    const cursors = await seedMessages(stack.mongoUrl, chatId, alice.userId, bob.userId);
    console.log(`seeded ${MESSAGES} messages in ${((Date.now() - seeded) / 1_000).toFixed(1)} s`);

    const path = `/api/v1/chats/${chatId}/messages`;
    const get = (session: BenchSession, query: string): BenchRequest => ({
      method: 'GET',
      path: `${path}${query}`,
      headers: { authorization: session.authorization },
    });
    const callers = [alice, bob];
    const scenarios = {
      first: (i: number) => get(callers[i % 2], ''),
      deep: (i: number) => get(callers[i % 2], `?cursor=${cursors[(i * 7919) % cursors.length]}`),
      hundred: (i: number) =>
        get(callers[i % 2], `?limit=100&cursor=${cursors[(i * 7919) % cursors.length]}`),
    };
    const origin = stack.gateway;
    const groups: ProcessGroups = {
      gateway: { pids: [stack.pids['api-gateway']] },
      'message-service': { pids: [stack.pids['message-service']] },
      'auth-service': { pids: [stack.pids['auth-service']] },
      ferretdb: { command: 'ferretdb' },
      postgres: { command: 'postgres' },
      'load generator': { pids: [process.pid] },
    };
    const { results, fixed, closed } = createScenarioRunner({
      origin,
      groups,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: DURATION,
    });

    const chat = `${MESSAGES.toLocaleString('en')} messages`;
    await fixed(`GET history (${chat}, first page of 50)`, RATE, scenarios.first);
    await fixed(`GET history (${chat}, page of 50 at a random depth)`, RATE, scenarios.deep);
    await fixed(`GET history?limit=100 (${chat}, random depth)`, RATE / 2, scenarios.hundred);
    await closed(`GET history (${chat}, first page of 50)`, 16, scenarios.first);

    console.log(`\n${markdownTable(results)}\n\n${cpuLines(results)}\n`);
    console.log(`saved ${saveRun('message-history', results)}`);
  } finally {
    await stack.stop();
  }
}

await main();
