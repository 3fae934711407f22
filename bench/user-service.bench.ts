// Load benchmark of the user-service through the gateway: GET /users/me, GET /users/:id and a
// 1,000-number contact sync. `make bench` runs it; figures and method are in docs/benchmarks.md.
// Knobs: BENCH_DURATION_SECONDS (20), BENCH_RATE (500), BENCH_SYNC_RATE (25), BENCH_LOG_LEVEL,
// BENCH_QUIET_WAIT_SECONDS (300: how long to wait for other work on the machine to stop, 0 = no wait).
import { randomInt } from 'node:crypto';
import { createPgPool } from '@wa/pkg/db';
import { randomPhone, testLogger } from '@wa/pkg/testing';
import type { BenchRequest } from './support/fixed-rate.ts';
import { waitForQuietMachine, type ProcessGroups } from './support/cpu.ts';
import { cpuLines, machineNote, markdownTable, saveRun } from './support/report.ts';
import { createScenarioRunner } from './support/scenarios.ts';
import { benchStores, loginUsers, startBenchStack, type BenchSession } from './support/stack.ts';

const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SYNC_RATE = Number(process.env.BENCH_SYNC_RATE ?? 25);
const WARMUP_SECONDS = 5;
const QUIET_WAIT_SECONDS = Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? 300);
const TARGET_USERS = 2_000;
const CALLERS = 20;

/** Registered users to look up and to find in address books, inserted in one statement. */
async function seedTargets(): Promise<{ id: string; phone: string }[]> {
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log: testLogger('bench') });
  try {
    const phones = Array.from({ length: TARGET_USERS }, () => randomPhone());
    const { rows } = await pool.query<{ id: string; phone: string }>(
      `INSERT INTO users (phone, display_name)
       SELECT phone, 'Bench ' || right(phone, 4) FROM unnest($1::text[]) AS t(phone)
       ON CONFLICT (phone) DO NOTHING
       RETURNING id, phone`,
      [phones],
    );
    return rows;
  } finally {
    await pool.end();
  }
}

/** An address book of 1,000 numbers: half registered, 45 % unknown, 5 % malformed, mixed formats. */
function addressBook(targets: readonly { phone: string }[]): Buffer {
  const numbers: string[] = [];
  for (let i = 0; i < 500; i++) {
    const phone = targets[randomInt(targets.length)].phone;
    numbers.push(i % 3 === 0 ? `0${phone.slice(3)}` : phone);
  }
  for (let i = 0; i < 450; i++) numbers.push(randomPhone());
  for (let i = 0; i < 50; i++) numbers.push(`12-${i}`);
  return Buffer.from(JSON.stringify({ phone_numbers: numbers }));
}

const pick = <T>(items: readonly T[], index: number) => items[index % items.length];

function scenarios(sessions: BenchSession[], targets: { id: string; phone: string }[]) {
  const books = Array.from({ length: 8 }, () => addressBook(targets));
  const get = (session: BenchSession, path: string): BenchRequest => ({
    method: 'GET',
    path,
    headers: { authorization: session.authorization },
  });
  return {
    me: (i: number) => get(pick(sessions, i), '/api/v1/users/me'),
    byId: (i: number) => get(pick(sessions, i), `/api/v1/users/${pick(targets, i * 7919).id}`),
    sync: (i: number): BenchRequest => ({
      method: 'POST',
      path: '/api/v1/users/contacts/sync',
      headers: {
        authorization: pick(sessions, i).authorization,
        'content-type': 'application/json',
      },
      body: pick(books, i),
    }),
  };
}

async function main() {
  console.log(`machine: ${process.env.BENCH_MACHINE ?? ''}${machineNote()}`);
  const stack = await startBenchStack(['user-service']);
  try {
    const targets = await seedTargets();
    const sessions = await loginUsers(stack.gateway, CALLERS);
    const make = scenarios(sessions, targets);
    const origin = stack.gateway;
    const groups: ProcessGroups = {
      gateway: { pids: [stack.pids['api-gateway']] },
      'user-service': { pids: [stack.pids['user-service']] },
      'auth-service': { pids: [stack.pids['auth-service']] },
      postgres: { command: 'postgres' },
      redis: { command: 'redis-server' },
      'load generator': { pids: [process.pid] },
    };

    const quiet = async (name: string) => {
      if (QUIET_WAIT_SECONDS <= 0) return;
      if (!(await waitForQuietMachine(15, QUIET_WAIT_SECONDS)))
        console.warn(`${name}: the machine stayed busy with other work; see "others" below`);
    };
    const { results, fixed, closed } = createScenarioRunner({
      origin,
      groups,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: DURATION,
      before: quiet,
    });

    await fixed('GET /users/me', RATE, make.me);
    await fixed('GET /users/:id', RATE, make.byId);
    await fixed('POST /users/contacts/sync (1,000 numbers)', SYNC_RATE, make.sync);
    await closed('GET /users/me', 16, make.me);
    await closed('GET /users/:id', 16, make.byId);
    await closed('POST /users/contacts/sync (1,000 numbers)', 4, make.sync);

    console.log(`\n${markdownTable(results)}\n\n${cpuLines(results)}\n`);
    console.log(`saved ${saveRun('user-service', results)}`);
  } finally {
    await stack.stop();
  }
}

await main();
