// Load benchmark of the chat list through the gateway: GET /api/v1/chats for users with 1,000
// chats each (first page, a page 900 chats deep, a page of 100). `make bench` runs it; figures
// and method are in docs/benchmarks.md. Knobs: BENCH_DURATION_SECONDS (20), BENCH_RATE (100),
// BENCH_LOG_LEVEL, BENCH_NATS_URL.
import { randomUUID } from 'node:crypto';
import { connectNats, jetstreamManager } from '@wa/pkg/bus';
import { createPgPool } from '@wa/pkg/db';
import { makeManyDirectChats, testLogger, testStores } from '@wa/pkg/testing';
import { CHAT_LIST_SQL } from '../chat-service/src/repository/chat-list-repository.ts';
import type { ProcessGroups } from './support/cpu.ts';
import type { BenchRequest } from './support/fixed-rate.ts';
import { cpuLines, machineNote, markdownTable, saveRun } from './support/report.ts';
import { createScenarioRunner } from './support/scenarios.ts';
import { benchStores, loginUsers, startBenchStack, type BenchSession } from './support/stack.ts';

const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const NATS_URL = process.env.BENCH_NATS_URL ?? testStores.natsUrl;
const WARMUP_SECONDS = 5;
const CHATS_PER_USER = 1_000;
const CALLERS = 5;
const CONSUMER = `chat-bench-${randomUUID()}`;

const log = testLogger('bench');

/** 1,000 direct chats for each caller, each with its own partner and last message. */
async function seedChats(sessions: BenchSession[]): Promise<void> {
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log });
  try {
    for (const session of sessions) await makeManyDirectChats(pool, session.userId, CHATS_PER_USER);
    await pool.query('ANALYZE chat_participants');
    await pool.query('ANALYZE chats');
  } finally {
    await pool.end();
  }
}

/** The plan and timing of the list query for one of the callers, as PostgreSQL reports them. */
async function explain(userId: string): Promise<string> {
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log });
  try {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${CHAT_LIST_SQL.first}`,
      [userId, 21],
    );
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await pool.end();
  }
}

async function getJson(gateway: string, session: BenchSession, path: string) {
  const response = await fetch(`${gateway}${path}`, {
    headers: { authorization: session.authorization },
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return ((await response.json()) as { data: { chats: unknown[]; next_cursor: string | null } })
    .data;
}

/** A cursor `depth` chats into each caller's list, found by paging through it. */
async function deepCursors(gateway: string, sessions: BenchSession[], depth: number) {
  const cursors: string[] = [];
  for (const session of sessions) {
    let cursor = '';
    for (let seen = 0; seen < depth; seen += 100) {
      const page = await getJson(gateway, session, `/api/v1/chats?limit=100${cursor}`);
      if (page.chats.length !== 100 || !page.next_cursor) throw new Error('list too short');
      cursor = `&cursor=${page.next_cursor}`;
    }
    cursors.push(cursor);
  }
  return cursors;
}

async function main() {
  console.log(`machine: ${process.env.BENCH_MACHINE ?? ''}${machineNote()}`);
  const stack = await startBenchStack(['user-service', 'chat-service'], {
    'chat-service': {
      NATS_URL,
      NATS_CONSUMER_NAME: CONSUMER,
    },
  });
  try {
    const sessions = await loginUsers(stack.gateway, CALLERS);
    await seedChats(sessions);
    const cursors = await deepCursors(stack.gateway, sessions, 900);
    const get =
      (path: (i: number) => string) =>
      (i: number): BenchRequest => ({
        method: 'GET',
        path: path(i),
        headers: { authorization: sessions[i % sessions.length].authorization },
      });
    const scenarios = {
      first: get(() => '/api/v1/chats'),
      deep: get((i) => `/api/v1/chats?limit=20${cursors[i % cursors.length]}`),
      hundred: get(() => '/api/v1/chats?limit=100'),
    };

    const origin = stack.gateway;
    const groups: ProcessGroups = {
      gateway: { pids: [stack.pids['api-gateway']] },
      'chat-service': { pids: [stack.pids['chat-service']] },
      'user-service': { pids: [stack.pids['user-service']] },
      'auth-service': { pids: [stack.pids['auth-service']] },
      postgres: { command: 'postgres' },
      'load generator': { pids: [process.pid] },
    };
    const { results, fixed, closed } = createScenarioRunner({
      origin,
      groups,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: DURATION,
    });

    await fixed('GET /chats (1,000 chats, first page of 20)', RATE, scenarios.first);
    await fixed('GET /chats (1,000 chats, page 900 chats deep)', RATE, scenarios.deep);
    await fixed('GET /chats?limit=100 (1,000 chats)', RATE / 4, scenarios.hundred);
    await closed('GET /chats (1,000 chats, first page of 20)', 16, scenarios.first);

    console.log(`\n${markdownTable(results)}\n\n${cpuLines(results)}\n`);
    console.log(
      `EXPLAIN ANALYZE of the list query (first page):\n${await explain(sessions[0].userId)}\n`,
    );
    console.log(`saved ${saveRun('chat-service', results)}`);
  } finally {
    await stack.stop();
    const nc = await connectNats({ url: NATS_URL, name: 'chat-bench', log });
    await (await jetstreamManager(nc)).consumers.delete('MESSAGES', CONSUMER).catch(() => false);
    await nc.close();
  }
}

await main();
