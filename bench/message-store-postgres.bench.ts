// History pages of the native PostgreSQL message store (addenda K) at depth 0, 50,000 and
// 99,950 of a 100,000-message chat, with 200,000 messages of other chats beside it.
// Run: node_modules/.bin/node bench/message-store-postgres.bench.ts
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createPgPool } from '@wa/pkg/db';
import { createTestDatabase, testLogger } from '@wa/pkg/testing';
import { newMessageDoc, type MessageKey } from '../message-service/src/model/message.ts';
import { READ_STATEMENTS } from '../message-service/src/repository/postgres/message-reads.ts';
import { openPostgresMessageStore } from '../message-service/src/repository/postgres/open-postgres-message-store.ts';
import { msgNewEvent } from '../message-service/src/service/outbox-events.ts';

const CHAT_SIZE = 100_000;
const OTHER_MESSAGES = 200_000;
const PAGE = 50;
const RUNS = 300;
/** Bodies also hold six words of a 20,000-word vocabulary, rank r drawn with odds 1/r (Zipf). */
const VOCABULARY = 20_000;
const words = (count: number) =>
  Array.from(
    { length: count },
    () => `w${Math.floor(Math.exp(Math.random() * Math.log(VOCABULARY)))}`,
  ).join(' ');

const database = await createTestDatabase('msgstore_bench');
const log = testLogger('bench');
const store = await openPostgresMessageStore(database.url, { log, poolMax: 10 });
const pool = createPgPool({ url: database.url, max: 2, log });

try {
  const chatId = randomUUID();
  const [alice, bob] = [randomUUID(), randomUUID()];
  const start = Date.UTC(2025, 0, 1);
  // Every tenth message shares its instant with the one before: ties are ordered by message_id.
  const at = (i: number) => new Date(start + (i - (i % 10 === 9 ? 1 : 0)) * 1_000);

  let t0 = performance.now();
  for (let i = 0; i < CHAT_SIZE; i += 1_000) {
    await Promise.all(
      Array.from({ length: 1_000 }, (_, j) => {
        const n = i + j;
        const [from, to] = n % 2 ? [alice, bob] : [bob, alice];
        const doc = newMessageDoc(
          chatId,
          [to],
          {
            sender_id: from,
            client_msg_id: randomUUID(),
            type: 'text',
            payload: { body: `m ${n} ${words(6)}` },
          },
          at(n),
        );
        return store.insert(doc, msgNewEvent(doc));
      }),
    );
  }
  const insertSeconds = (performance.now() - t0) / 1_000;
  console.log(`inserted ${CHAT_SIZE} through store.insert in ${insertSeconds.toFixed(1)} s`);

  // Other chats (1,000 of 200 messages), written directly: only their volume matters here.
  await pool.query(
    `
    WITH m AS (
      INSERT INTO messages (message_id, chat_id, sender_id, client_msg_id, type, payload,
        created_at, updated_at, event_id)
      SELECT gen_random_uuid(), chat, gen_random_uuid(), g::text, 'text',
        jsonb_build_object('body', 'other ' || g || ' ' || (
          SELECT string_agg('w' || floor(exp(random() * ln(${VOCABULARY}))), ' ')
          FROM generate_series(1, 6 + 0 * g))), ts, ts, gen_random_uuid()
      FROM generate_series(1, $1::int) g,
        LATERAL (SELECT ('00000000-0000-4000-8000-' || lpad((g % 1000)::text, 12, '0'))::uuid AS chat,
          to_timestamp(${start / 1_000} + g) AS ts) x
      RETURNING message_id, chat_id, created_at)
    INSERT INTO message_recipients (message_id, user_id, chat_id, created_at, status, updated_at)
    SELECT message_id, gen_random_uuid(), chat_id, created_at, 'sent', created_at FROM m`,
    [OTHER_MESSAGES],
  );
  await pool.query('VACUUM ANALYZE messages, message_recipients, message_hidden, message_stars');

  const { rows: keys } = await pool.query<MessageKey & { depth: number }>(
    `SELECT depth, created_at, message_id FROM (
       SELECT row_number() OVER (ORDER BY created_at DESC, message_id DESC) - 1 AS depth,
         created_at, message_id FROM messages WHERE chat_id = $1) k
     WHERE depth IN (49999, 99949)`,
    [chatId],
  );
  const cases: [string, MessageKey | undefined][] = [
    ['0', undefined],
    ['50,000', keys.find((k) => Number(k.depth) === 49_999)],
    ['99,950', keys.find((k) => Number(k.depth) === 99_949)],
  ];

  for (const [depth, key] of cases)
    await timed(`history, depth ${depth}`, () => store.history(chatId, bob, key, PAGE));
  await timed('undelivered, first page (50,000 owed)', () =>
    store.undelivered(bob, undefined, PAGE),
  );
  await timed(
    'search, a word in every message (20)',
    () => store.search(chatId, bob, ['m'], 20),
    20,
  );
  await timed('search, a word in one message', () => store.search(chatId, bob, ['12345'], 20), 1);
  await timed('search, a rare vocabulary word', () => store.search(chatId, bob, ['w19999'], 20), 0);
  await timed('search, a common vocabulary word', () => store.search(chatId, bob, ['w3'], 20), 20);
  await timed(
    'search, two words, one message',
    () => store.search(chatId, bob, ['M', '777'], 20),
    1,
  );

  // A full group: 1,000 messages to 255 recipients (255,000 recipient rows).
  const groupId = randomUUID();
  const [sender, ...members] = Array.from({ length: 256 }, () => randomUUID());
  t0 = performance.now();
  for (let i = 0; i < 1_000; i += 100)
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => {
        const doc = newMessageDoc(
          groupId,
          members,
          { sender_id: sender, client_msg_id: randomUUID(), type: 'text', payload: { body: 'g' } },
          at(i + j),
        );
        return store.insert(doc, msgNewEvent(doc));
      }),
    );
  console.log(
    `inserted 1,000 group messages in ${((performance.now() - t0) / 1_000).toFixed(1)} s`,
  );
  await pool.query('ANALYZE message_recipients');
  await timed('group history, first page (255 statuses each)', () =>
    store.history(groupId, members[7], undefined, PAGE),
  );

  // The plans, of the statement the store prepares (generic plan: what a named statement runs).
  const client = await pool.connect();
  try {
    await client.query('SET plan_cache_mode = force_generic_plan');
    for (const [depth, key] of cases) {
      const text = key ? READ_STATEMENTS.historyBefore : READ_STATEMENTS.history;
      await client.query('DEALLOCATE ALL');
      await client.query(`PREPARE h AS ${text}`);
      const args = key
        ? `'${chatId}', '${bob}', ${PAGE}, '${key.created_at.toISOString()}', '${key.message_id}'`
        : `'${chatId}', '${bob}', ${PAGE}`;
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) EXECUTE h(${args})`,
      );
      console.log(
        `\n-- depth ${depth} (generic plan)\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`,
      );
    }
    await client.query('RESET plan_cache_mode');
    // Search is an unnamed statement: planned for its terms each time.
    for (const terms of ['12345', 'm', 'M 777', 'w19999', 'w3']) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${READ_STATEMENTS.search}`,
        [chatId, bob, terms, 20],
      );
      console.log(`\n-- search '${terms}'\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
  } finally {
    client.release();
  }
} finally {
  await pool.end();
  await store.close();
  await database.drop();
}

/** Warms up, then times `read` RUNS times; prints p50, p95 and max. `expected` 0: any number but none. */
async function timed(
  label: string,
  read: () => Promise<unknown[]>,
  expected = PAGE,
): Promise<void> {
  const page = await read();
  if (expected ? page.length !== expected : !page.length)
    throw new Error(`${label}: ${page.length} messages`);
  for (let i = 0; i < 20; i++) await read();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await read();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const pick = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(
    `${label}: p50 ${pick(0.5).toFixed(2)} ms, p95 ${pick(0.95).toFixed(2)} ms, max ${pick(1).toFixed(2)} ms (${RUNS} runs)`,
  );
}
