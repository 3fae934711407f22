// Load benchmark of message history through the gateway: GET /api/v1/chats/:id/messages on one
// chat of 100,000 messages (first page, pages deep in the chat by cursor, pages of 100).
// `make bench` runs it; figures and method are in docs/benchmarks.md (## message-service, and
// ## Message stores: history and a 256-member group (issue 12)).
// The chat is seeded through the message store (addenda K), so the run measures whichever adapter
// the stack gives the message-service: PostgreSQL (default; seeded before the services start) or
// MongoDB with TEST_MESSAGE_STORE=mongodb (the run's own FerretDB database, seeded once it runs).
// Knobs: BENCH_DURATION_SECONDS (20), BENCH_RATE (200), BENCH_MESSAGES (100000), BENCH_LOG_LEVEL,
// TEST_MESSAGE_STORE, TEST_MONGO_URL (the MongoDB/FerretDB server).
// FerretDB v1 cannot push the sort/limit down, so 100,000 messages overload it: use a MongoDB 7, or
// BENCH_MESSAGES=2000 BENCH_RATE=5 on FerretDB (see docs/benchmarks.md).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPgPool } from '@wa/pkg/db';
import { testLogger, testStores } from '@wa/pkg/testing';
import { newMessageDoc, type MessageKey } from '../message-service/src/model/message.ts';
import type { MessageStore } from '../message-service/src/repository/message-store.ts';
import { openMessageStore } from '../message-service/src/repository/open-message-store.ts';
import { decodeCursor, encodeCursor } from '../message-service/src/service/cursor.ts';
import { msgNewEvent, msgStatusEvent } from '../message-service/src/service/outbox-events.ts';
import { waitForQuietMachine, type ProcessGroups } from './support/cpu.ts';
import type { BenchRequest } from './support/fixed-rate.ts';
import { cpuLines, machineNote, markdownTable, saveRun, summarise } from './support/report.ts';
import { createScenarioRunner } from './support/scenarios.ts';
import { seedDirectChats } from './support/seed.ts';
import { benchStores, startBenchStack, type BenchSession } from './support/stack.ts';
import { signAccessToken } from './support/ws-load.ts';

const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const ON_MONGO = testStores.messageStore === 'mongodb';
const WARMUP_SECONDS = 5;
/** Inserts in flight at once: the store batches concurrent inserts. */
const CONCURRENCY = 500;

interface Seeded {
  chatId: string;
  a: string;
  b: string;
  /** Cursors spread evenly through the chat, for the deep-page scenarios. */
  cursors: string[];
}

/**
 * MESSAGES text messages in one direct chat, alternating senders, one second apart, stored with
 * `store.insert` (their `msg.new` with them, as a send does), then read by both users up to the
 * last one (`markReadUpTo`): old history.
 */
async function seedMessages(
  storeUrl: string,
  chatId: string,
  a: string,
  b: string,
  analyze: () => Promise<unknown>,
) {
  const log = testLogger('bench');
  const store = await openMessageStore(storeUrl, { log, poolMax: 10 });
  try {
    const start = Date.now() - MESSAGES * 1_000;
    const cursors: string[] = [];
    const last: Record<string, MessageKey> = {};
    for (let offset = 0; offset < MESSAGES; offset += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, MESSAGES - offset) }, (_, i) => {
          const n = offset + i;
          const [sender, recipient] = n % 2 ? [a, b] : [b, a];
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
          if (n >= 50 && n % 997 === 0) cursors.push(encodeCursor(doc));
          if (!last[recipient] || last[recipient].created_at < at) last[recipient] = doc;
          return store.insert(doc, msgNewEvent(doc));
        }),
      );
    }
    await analyze();
    for (const [reader, upTo] of Object.entries(last)) {
      const message = { ...upTo, chat_id: chatId, sender_id: reader === a ? b : a };
      const now = new Date();
      await store.markReadUpTo(
        chatId,
        reader,
        upTo,
        false,
        now,
        msgStatusEvent(message, reader, 'read', now, false),
      );
    }
    await timeStoreHistory(store, chatId, a, cursors);
    return cursors;
  } finally {
    await store.close();
  }
}

/**
 * The store alone, one read at a time (no gateway, no service, no concurrency): what a page costs
 * the adapter, the floor under the figures through the gateway.
 */
async function timeStoreHistory(
  store: MessageStore,
  chatId: string,
  viewer: string,
  cursors: string[],
) {
  const keys = cursors.map((cursor) => decodeCursor(cursor));
  for (const [label, keyOf] of [
    ['first page', () => undefined],
    ['random depth', (i: number) => keys[(i * 7919) % keys.length]],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 220; i++) {
      const t0 = performance.now();
      const page = await store.history(chatId, viewer, keyOf(i), 50);
      if (i >= 20) times.push(performance.now() - t0);
      if (page.length === 0) throw new Error(`store.history returned no messages (${label})`);
    }
    const s = summarise(times);
    console.log(
      `store.history alone (${store.kind}, ${label}, page of 50, 200 reads one at a time): ` +
        `p50 ${s.p50.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms, max ${s.max.toFixed(2)} ms`,
    );
  }
}

/**
 * Two users and their direct chat in PostgreSQL, then the chat's messages. On PostgreSQL this runs
 * before the services start: leftovers of earlier runs go, and the seed's events are deleted from
 * `message_outbox` (nobody is online to receive them) so no relay publishes 100,000 of them while
 * the run measures.
 */
async function seed(storeUrl: string, beforeServices: boolean): Promise<Seeded> {
  const pool = createPgPool({ url: benchStores.DATABASE_URL, max: 2, log: testLogger('bench') });
  try {
    const [pair] = await seedDirectChats(pool, 1, '+49154');
    const began = Date.now();
    // Analyzed between the inserts and the reads, as autovacuum would analyze a table that grew
    // this much: planned on the statistics of an empty table, the reads of 50,000 rows each ran
    // a nested loop over every unread row for each one they moved (minutes; docs/benchmarks.md).
    const analyze = () => pool.query('ANALYZE messages, message_recipients');
    const cursors = await seedMessages(storeUrl, pair.chatId, pair.first, pair.second, analyze);
    console.log(
      `seeded ${MESSAGES} messages through store.insert in ${((Date.now() - began) / 1_000).toFixed(1)} s`,
    );
    if (beforeServices) {
      await pool.query('DELETE FROM message_outbox');
      await pool.query('VACUUM ANALYZE messages, message_recipients');
    }
    return { chatId: pair.chatId, a: pair.first, b: pair.second, cursors };
  } finally {
    await pool.end();
  }
}

async function sessionOf(userId: string): Promise<BenchSession> {
  return { userId, phone: '', authorization: `Bearer ${await signAccessToken(userId)}` };
}

async function main() {
  console.log(`machine: ${process.env.BENCH_MACHINE ?? ''}${machineNote()}`);
  console.log(`message store: ${ON_MONGO ? 'mongodb' : 'postgres'}`);
  let seeded: Seeded | undefined;
  const stack = await startBenchStack(
    ['user-service', 'chat-service', 'message-service'],
    {},
    {
      beforeStart: async () => {
        if (!ON_MONGO) seeded = await seed(benchStores.DATABASE_URL, true);
      },
    },
  );
  try {
    if (!seeded) {
      seeded = await seed(stack.stores.MESSAGE_STORE_URL, false);
      await sleep(5_000); // the relay publishes the seed's events
    }
    const { chatId, cursors } = seeded;
    const alice = await sessionOf(seeded.a);
    const bob = await sessionOf(seeded.b);

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
      ...(ON_MONGO ? { ferretdb: { command: 'ferretdb' } } : {}),
      postgres: { command: 'postgres' },
      'load generator': { pids: [process.pid] },
    };
    const { results, fixed, closed } = createScenarioRunner({
      origin,
      groups,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: DURATION,
      // Other work on this machine skews every figure: wait up to 2 minutes for it to calm down.
      before: async (name) => {
        if (!(await waitForQuietMachine(40, 120)))
          console.warn(`${name}: the machine stayed above 40 % busy; see "others" below`);
      },
    });

    const chat = `${MESSAGES.toLocaleString('en')} messages, ${ON_MONGO ? 'mongodb' : 'postgres'} store`;
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
