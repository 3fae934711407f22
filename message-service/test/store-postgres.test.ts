import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MessageDoc, MessageType } from '../src/model/message.ts';
import type { MessageStore } from '../src/repository/message-store.ts';
import { msgNewEvent, msgStatusEvent } from '../src/service/outbox-events.ts';
import { messageStoreContract, type StoreUnderTest } from './store-contract.ts';
import { PassThrough } from 'node:stream';
import { createPgPool, type PgPool } from '@wa/pkg/db';
import { createLogger } from '@wa/pkg/log';
import { eventually, testLogger } from '@wa/pkg/testing';
import { advanceQuery } from '../src/repository/postgres/message-updates.ts';
import { markReadQuery } from '../src/repository/postgres/read-marks.ts';
import {
  idsOf,
  openTestStore,
  receiptChange,
  textMessage,
  type TestMessageStore,
} from './test-stores.ts';

/*
 * Addenda K: the native PostgreSQL message store, on a database of its own copied from the
 * migrated template: the shared contract, then what only this adapter can get wrong (its batched
 * statements, its row-per-recipient layout).
 */

const openStore = () => openTestStore('postgres');

messageStoreContract('postgres', openStore);

describe('postgres message store', () => {
  let subject: StoreUnderTest;
  let store: MessageStore;
  before(async () => {
    subject = await openStore();
    store = subject.store;
  });
  after(() => subject?.dispose());

  const message = textMessage;
  const change = receiptChange;
  const pendingIds = async () =>
    new Set((await store.outbox.pending(0, 100_000)).map((event) => event.event_id));

  test('a 256-member group: 255 recipient rows stored in one batch, advanced in one call, each owed until acknowledged', async () => {
    const chatId = randomUUID();
    const [sender, ...recipients] = Array.from({ length: 256 }, () => randomUUID());
    const docs = Array.from({ length: 20 }, (_, i) =>
      message(chatId, sender, recipients, new Date(Date.UTC(2026, 1, 1, 0, 0, i))),
    );
    const outcomes = await Promise.all(docs.map((doc) => store.insert(doc, msgNewEvent(doc))));
    assert.deepEqual(outcomes, Array<string>(20).fill('inserted'));
    for (const id of [recipients[0], recipients[254]])
      assert.equal((await store.undelivered(id, undefined, 100)).length, 20);

    const changes = recipients.map((id) => change(docs[0], id, 'delivered'));
    assert.deepEqual(
      await store.advanceStatus(changes),
      recipients.map(() => true),
    );
    const pending = await pendingIds();
    assert.ok(changes.every((c) => pending.has(c.event.event_id)));
    const back = await store.findById(docs[0].message_id);
    assert.deepEqual(back?.undelivered_to, []);
    assert.ok(Object.values(back?.status ?? {}).every((entry) => entry.status === 'delivered'));
    const backlog = await store.undelivered(recipients[100], undefined, 100);
    assert.deepEqual(
      backlog.map((doc) => doc.message_id),
      docs.slice(1).map((doc) => doc.message_id),
    );
    assert.equal(backlog[0].undelivered_to.length, 255);
  });

  test('a document PostgreSQL refuses fails only its own insert; the batch around it is stored with its events', async () => {
    const chatId = randomUUID();
    const [sender, reader] = [randomUUID(), randomUUID()];
    const earlier = message(chatId, sender, [reader]);
    await store.insert(earlier, msgNewEvent(earlier));
    const docs = Array.from({ length: 5 }, () => message(chatId, sender, [reader]));
    const poison = { ...docs[2], type: 'sticker' as MessageType };
    const resend = { ...docs[3], client_msg_id: earlier.client_msg_id };
    const batch = [docs[0], docs[1], poison, resend, docs[4]];
    const outcomes = await Promise.allSettled(
      batch.map((doc) => store.insert(doc, msgNewEvent(doc))),
    );
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'rejected')),
      ['inserted', 'inserted', 'rejected', 'duplicate', 'inserted'],
    );
    const pending = await pendingIds();
    for (const doc of [docs[0], docs[1], docs[4]]) {
      assert.ok(await store.findById(doc.message_id));
      assert.ok(pending.has(doc.event_id));
    }
    for (const doc of [poison, resend]) {
      assert.equal(await store.findById(doc.message_id), null);
      assert.equal(pending.has(doc.event_id), false);
    }
  });

  test('two sends of one client_msg_id in one batch: the first is stored, the second is its duplicate', async () => {
    const [sender, reader] = [randomUUID(), randomUUID()];
    const opener = message(randomUUID(), sender, [reader]);
    const first = message(opener.chat_id, sender, [reader]);
    const again = {
      ...message(opener.chat_id, sender, [reader]),
      client_msg_id: first.client_msg_id,
    };
    // The opener is written alone; the two behind it go together in the next statement.
    const outcomes = await Promise.all(
      [opener, first, again].map((doc) => store.insert(doc, msgNewEvent(doc))),
    );
    assert.deepEqual(outcomes, ['inserted', 'inserted', 'duplicate']);
    assert.equal(
      (await store.findByClientId(sender, first.client_msg_id))?.message_id,
      first.message_id,
    );
    assert.equal((await pendingIds()).has(again.event_id), false);
  });

  test('messages at one instant page in message_id order, none skipped or repeated', async () => {
    const chatId = randomUUID();
    const [sender, reader] = [randomUUID(), randomUUID()];
    const at = new Date(Date.UTC(2026, 2, 1, 12, 0, 0, 123));
    const docs = Array.from({ length: 25 }, () => message(chatId, sender, [reader], at));
    await Promise.all(docs.map((doc) => store.insert(doc, msgNewEvent(doc))));
    const newestFirst = docs
      .map((doc) => doc.message_id)
      .sort()
      .reverse();
    const seen: string[] = [];
    let key: MessageDoc | undefined;
    for (let page = await store.history(chatId, reader, undefined, 4); page.length;) {
      seen.push(...page.map((doc) => doc.message_id));
      key = page.at(-1);
      page = await store.history(chatId, reader, key, 4);
    }
    assert.deepEqual(seen, newestFirst);
    const owed: string[] = [];
    for (let page = await store.undelivered(reader, undefined, 3); page.length;) {
      owed.push(...page.map((doc) => doc.message_id));
      page = await store.undelivered(reader, page.at(-1), 3);
    }
    assert.deepEqual(owed, [...newestFirst].reverse());
    assert.deepEqual((await store.findById(docs[0].message_id))?.created_at, at);
  });

  test('one batch naming a recipient twice applies both changes in order', async () => {
    const [sender, reader] = [randomUUID(), randomUUID()];
    const doc = message(randomUUID(), sender, [reader]);
    await store.insert(doc, msgNewEvent(doc));
    const batch = [
      change(doc, reader, 'delivered'),
      change(doc, reader, 'read'),
      change(doc, reader, 'delivered'),
    ];
    assert.deepEqual(await store.advanceStatus(batch), [true, true, false]);
    assert.equal((await store.findById(doc.message_id))?.status[reader].status, 'read');
    const pending = await pendingIds();
    assert.deepEqual(
      batch.map((c) => pending.has(c.event.event_id)),
      [true, true, false],
    );
  });

  test('concurrent receipts for the same messages: each status moves once, whatever the lock order', async () => {
    const chatId = randomUUID();
    const [sender, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
    const docs = Array.from({ length: 30 }, (_, i) =>
      message(chatId, sender, [bob, carol], new Date(Date.UTC(2026, 3, 1, 0, 0, i))),
    );
    await Promise.all(docs.map((doc) => store.insert(doc, msgNewEvent(doc))));
    const batch = (order: MessageDoc[]) =>
      order.flatMap((doc) => [change(doc, bob, 'delivered'), change(doc, carol, 'delivered')]);
    const reversed = [...docs].reverse();
    const last = docs.at(-1)!;
    const at = new Date();
    const results = await Promise.all([
      store.advanceStatus(batch(docs)),
      store.advanceStatus(batch(reversed)),
      store.advanceStatus(batch(docs)),
      store.markReadUpTo(
        chatId,
        bob,
        last,
        false,
        at,
        msgStatusEvent(last, bob, 'read', at, false),
      ),
      store.advanceStatus(batch(reversed)),
    ]);
    const delivered = results
      .filter((result): result is boolean[] => Array.isArray(result))
      .flat()
      .filter(Boolean).length;
    const readByBob = results[3];
    // carol's 30 each moved once; bob's 30 either delivered first (and then read) or read directly.
    assert.ok(delivered >= 30 && delivered <= 60, `delivered ${delivered}`);
    assert.equal(readByBob, 30);
    for (const doc of docs) {
      const back = await store.findById(doc.message_id);
      assert.equal(back?.status[bob].status, 'read');
      assert.equal(back?.status[carol].status, 'delivered');
      assert.deepEqual(back?.undelivered_to, []);
    }
  });

  test('a batch of acks and a read of the same rows in opposite orders do not deadlock', async () => {
    // The store logs each deadlock it retries (the retry hides it otherwise).
    const lines = new PassThrough();
    const logged: string[] = [];
    lines.on('data', (chunk: Buffer) => logged.push(chunk.toString()));
    const log = createLogger({ service: 'message-service', level: 'warn', destination: lines });
    const own = await openTestStore('postgres', { log });
    const db = createPgPool({ url: own.url, max: 3, log });
    const holder = await db.connect();
    try {
      const waiting = async () =>
        Number(
          (
            await db.query<{ count: string }>(
              `SELECT count(*) FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          ).rows[0].count,
        );
      // The acks reach the rows by message id (X, W, Y); the read reaches the reader's rows by
      // time (Y was sent first, then X). W belongs to another user; this test holds it.
      const [reader, other] = [
        '10000000-0000-4000-8000-000000000001',
        '20000000-0000-4000-8000-000000000002',
      ];
      const [sender, chatId] = [randomUUID(), randomUUID()];
      const withId = (doc: MessageDoc, id: string): MessageDoc => ({ ...doc, message_id: id });
      const y = withId(
        message(chatId, sender, [reader], new Date(Date.UTC(2026, 5, 1, 0, 0, 1))),
        '30000000-0000-4000-8000-000000000000',
      );
      const x = withId(
        message(chatId, sender, [reader], new Date(Date.UTC(2026, 5, 1, 0, 0, 2))),
        '10000000-0000-4000-8000-000000000000',
      );
      const w = withId(
        message(randomUUID(), sender, [other]),
        '20000000-0000-4000-8000-000000000000',
      );
      // Enough other rows that PostgreSQL reaches them through indexes, as on any real table
      // (a scan of a near-empty table takes every statement's locks in the same, physical order).
      await seedReadMessages(db, sender, 5_000, 5_000);
      for (const doc of [y, x, w]) await own.store.insert(doc, msgNewEvent(doc));

      await holder.query('BEGIN');
      await holder.query(
        'SELECT 1 FROM message_recipients WHERE message_id = $1 AND user_id = $2 FOR UPDATE',
        [w.message_id, other],
      );
      const acks = own.store.advanceStatus([
        change(x, reader, 'delivered'),
        change(w, other, 'delivered'),
        change(y, reader, 'delivered'),
      ]);
      await eventually(async () => assert.equal(await waiting(), 1));
      const at = new Date();
      const read = own.store.markReadUpTo(
        chatId,
        reader,
        x,
        false,
        at,
        msgStatusEvent(x, reader, 'read', at, false),
      );
      await eventually(async () => assert.equal(await waiting(), 2));
      await holder.query('COMMIT');

      assert.deepEqual(await acks, [true, true, true]);
      assert.equal(await read, 2);
      assert.deepEqual(
        logged.filter((line) => line.includes('deadlocked')),
        [],
      );
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
      await db.end();
      await own.dispose();
    }
  });

  describe('receipts on statistics that saw everything read', () => {
    // Statistics taken while every row was read and acknowledged (as in a chat app most of the
    // time) estimate unread and owed rows at about one; the statement must not rely on that.
    let own: TestMessageStore;
    let db: PgPool;
    const sender = randomUUID();
    before(async () => {
      own = await openStore();
      db = createPgPool({ url: own.url, max: 1, log: testLogger() });
      await seedReadMessages(db, sender, 20_000, 500);
    });
    after(async () => {
      await db?.end();
      await own?.dispose();
    });

    /** `count` unread, unacknowledged messages of `chatId` to `reader`, a second apart. */
    const backlog = (chatId: string, reader: string, count: number) =>
      db.query(
        `WITH m AS (
           INSERT INTO messages (message_id, chat_id, sender_id, client_msg_id, type, payload,
             created_at, updated_at, event_id)
           SELECT gen_random_uuid(), $2, $1, gen_random_uuid()::text, 'text', '{}',
             timestamptz '2026-01-01' + g * interval '1 second', now(), gen_random_uuid()
           FROM generate_series(1, $3::int) AS g
           RETURNING message_id, chat_id, created_at)
         INSERT INTO message_recipients (message_id, user_id, chat_id, created_at, status,
           updated_at)
         SELECT message_id, $4, chat_id, created_at, 'sent', created_at FROM m`,
        [sender, chatId, count, reader],
      );

    /** Rows the plan of `query` produced or discarded, its writes rolled back. */
    async function rowsVisitedBy(query: { text: string; values: unknown[] }) {
      await db.query('BEGIN');
      try {
        const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${query.text}`,
          query.values,
        );
        return rowsVisited(rows[0]['QUERY PLAN'][0].Plan);
      } finally {
        await db.query('ROLLBACK');
      }
    }

    /** Rows the read's plan visits, then the read itself. */
    async function readUpTo(chatId: string, reader: string) {
      const last = message(chatId, sender, [reader], new Date(Date.UTC(2026, 5, 1)));
      await own.store.insert(last, msgNewEvent(last));
      const at = new Date();
      const event = msgStatusEvent(last, reader, 'read', at, false);
      const visited = await rowsVisitedBy(
        markReadQuery(
          [{ chatId, userId: reader, upTo: last, receiptHidden: false, at, event }],
          [0],
        ),
      );
      return {
        visited,
        moved: await own.store.markReadUpTo(chatId, reader, last, false, at, event),
      };
    }

    test('a reader back to 2,000 unread messages has each row visited a bounded number of times', async () => {
      const [reader, chatId] = [randomUUID(), randomUUID()];
      await backlog(chatId, reader, 1_999);
      const { visited, moved } = await readUpTo(chatId, reader);
      assert.equal(moved, 2_000);
      assert.ok(visited < 40 * 2_000, `${visited} rows visited for 2,000 moved`);
    });

    test("a reader's one new message is found without reading other readers' unread rows", async () => {
      for (let i = 0; i < 5; i++) await backlog(randomUUID(), randomUUID(), 1_000);
      const [reader, chatId] = [randomUUID(), randomUUID()];
      const { visited, moved } = await readUpTo(chatId, reader);
      assert.equal(moved, 1);
      assert.ok(visited < 200, `${visited} rows visited for 1 moved, 5,000 other rows unread`);
    });

    test("an acknowledgement is found without reading other readers' owed rows", async () => {
      for (let i = 0; i < 5; i++) await backlog(randomUUID(), randomUUID(), 1_000);
      const reader = randomUUID();
      const doc = message(randomUUID(), sender, [reader]);
      await own.store.insert(doc, msgNewEvent(doc));
      const changes = [change(doc, reader, 'delivered')];
      const visited = await rowsVisitedBy(advanceQuery(changes, [0]));
      assert.deepEqual(await own.store.advanceStatus(changes), [true]);
      assert.ok(visited < 200, `${visited} rows visited for 1 moved, 5,000 other rows owed`);
    });
  });

  describe('with batchWaitMs (MESSAGE_STORE_BATCH_WAIT_MS)', () => {
    // A lone write waits for company: what arrives meanwhile is written in the same transaction.
    let own: TestMessageStore;
    let db: PgPool;
    before(async () => {
      own = await openTestStore('postgres', { batchWaitMs: 200 });
      db = createPgPool({ url: own.url, max: 1, log: testLogger() });
    });
    after(async () => {
      await db?.end();
      await own?.dispose();
    });

    /** The transaction that last wrote each row of `table` for `messageIds` (its xmin). */
    async function writers(table: 'messages' | 'message_recipients', messageIds: string[]) {
      const { rows } = await db.query<{ writer: string }>(
        `SELECT DISTINCT xmin::text AS writer FROM ${table} WHERE message_id = ANY($1::uuid[])`,
        [messageIds],
      );
      return rows.map((row) => row.writer);
    }

    test('inserts arriving within the wait share one statement', async () => {
      const [chatId, sender, reader] = [randomUUID(), randomUUID(), randomUUID()];
      const docs = [message(chatId, sender, [reader]), message(chatId, sender, [reader])];
      const first = own.store.insert(docs[0], msgNewEvent(docs[0]));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = own.store.insert(docs[1], msgNewEvent(docs[1]));
      assert.deepEqual(await Promise.all([first, second]), ['inserted', 'inserted']);
      assert.equal((await writers('messages', idsOf(docs))).length, 1);
    });

    test('read marks arriving within the wait share one statement', async () => {
      const [chatA, chatB, sender] = [randomUUID(), randomUUID(), randomUUID()];
      const [ann, ben] = [randomUUID(), randomUUID()];
      const docs = [message(chatA, sender, [ann]), message(chatB, sender, [ben])];
      await Promise.all(docs.map((doc) => own.store.insert(doc, msgNewEvent(doc))));
      const at = new Date();
      const read = (doc: MessageDoc, reader: string) =>
        own.store.markReadUpTo(
          doc.chat_id,
          reader,
          doc,
          false,
          at,
          msgStatusEvent(doc, reader, 'read', at, false),
        );
      const first = read(docs[0], ann);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(await Promise.all([first, read(docs[1], ben)]), [1, 1]);
      assert.equal((await writers('message_recipients', idsOf(docs))).length, 1);
    });
  });

  test('reading up to a message already read still acknowledges it', async () => {
    const chatId = randomUUID();
    const [sender, reader] = [randomUUID(), randomUUID()];
    const doc = message(chatId, sender, [reader]);
    await store.insert(doc, msgNewEvent(doc));
    const at = new Date();
    const event = msgStatusEvent(doc, reader, 'read', at, false);
    assert.equal(await store.markReadUpTo(chatId, reader, doc, false, at, event), 1);
    assert.deepEqual(await store.undelivered(reader, undefined, 10), []);
    assert.equal(await store.markReadUpTo(chatId, reader, doc, false, at, event), 0);
  });
});

interface PlanNode {
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows produced or thrown away by every node of an EXPLAIN ANALYZE plan, over all its loops. */
function rowsVisited(node: PlanNode): number {
  const own =
    (node['Actual Rows'] +
      (node['Rows Removed by Filter'] ?? 0) +
      (node['Rows Removed by Join Filter'] ?? 0)) *
    node['Actual Loops'];
  return (node.Plans ?? []).reduce((sum, child) => sum + rowsVisited(child), own);
}

/**
 * `count` messages from `sender` spread over `chats` chats, each to a recipient of its own who read
 * and acknowledged it, then ANALYZE as autovacuum would: a table of the size and statistics of a
 * real one, so PostgreSQL plans as it would there.
 */
async function seedReadMessages(db: PgPool, sender: string, count: number, chats: number) {
  await db.query(
    `WITH m AS (
       INSERT INTO messages (message_id, chat_id, sender_id, client_msg_id, type, payload,
         created_at, updated_at, event_id)
       SELECT gen_random_uuid(), md5('chat' || g % $3::int)::uuid, $1, 'filler-' || g, 'text',
         '{}', now(), now(), gen_random_uuid()
       FROM generate_series(1, $2::int) AS g
       RETURNING message_id, chat_id, created_at)
     INSERT INTO message_recipients (message_id, user_id, chat_id, created_at, status,
       updated_at, owed)
     SELECT message_id, gen_random_uuid(), chat_id, created_at, 'read', created_at, FALSE
     FROM m`,
    [sender, count, chats],
  );
  await db.query('ANALYZE messages, message_recipients');
}
