import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createMongoClient, type Db } from '@wa/pkg/db';
import {
  createTestDatabase,
  privateMongoUrl,
  startFerretServer,
  testLogger,
} from '@wa/pkg/testing';
import { applyMongoIndexes } from '../../migrations/mongo/indexes.ts';
import { migrateMessageLayout } from '../../migrations/mongo/message-layout.ts';
import type { MessageDoc } from '../src/model/message.ts';
import type { MessageStore } from '../src/repository/message-store.ts';
import {
  createMongoMessageStore,
  openMongoMessageStore,
} from '../src/repository/mongo/open-mongo-message-store.ts';
import { msgNewEvent, msgStatusEvent } from '../src/service/outbox-events.ts';
import {
  idsOf,
  openTestStore,
  privateMongoDatabase,
  receiptChange,
  textMessage,
} from './test-stores.ts';
import { messageStoreContract } from './store-contract.ts';

/*
 * Addenda K: the MongoDB message store, on FerretDB here (or on the MongoDB that TEST_MONGO_URL
 * names), each suite on a database of its own with the migrated indexes: the shared contract,
 * then what only this adapter can get wrong (its per-recipient documents, its batched commands,
 * the move from the first layout).
 */

const log = testLogger('msgstore-mongo');

const privateDatabase = () => privateMongoDatabase();

const openStore = () => openTestStore('mongodb');

messageStoreContract('mongodb', openStore);

const message = textMessage;
const change = receiptChange;
const ids = idsOf;

describe('mongodb message store', () => {
  let database: Awaited<ReturnType<typeof privateDatabase>>;
  let store: MessageStore;
  /** The same client's store with MESSAGE_STORE_BATCH_WAIT_MS 200 (closed with the first). */
  let waiting: MessageStore;
  /** The commands the store sent, by name, since the last `counted`. */
  let sent: string[] = [];
  async function counted<T>(work: () => Promise<T>) {
    sent = [];
    const started = performance.now();
    const result = await work();
    return { result, commands: [...sent], ms: Math.round(performance.now() - started) };
  }

  before(async () => {
    database = await privateDatabase();
    const url = new URL(database.url);
    url.searchParams.set('monitorCommands', 'true');
    const client = createMongoClient({ url: url.toString() });
    client.on('commandStarted', (event) => sent.push(event.commandName));
    await client.connect();
    store = await createMongoMessageStore(client, { log });
    waiting = await createMongoMessageStore(client, { log, batchWaitMs: 200 });
  });
  after(async () => {
    await store?.close();
    await database?.drop();
  });

  const pendingIds = async () =>
    new Set((await store.outbox.pending(0, 100_000)).map((event) => event.event_id));
  const countIn = (db: Db, collection: string, messageId: string) =>
    db.collection(collection).countDocuments({ message_id: messageId });

  test('a 256-member group: 20 messages stored in a batch, 255 receipts in one bulk write, each owed until acknowledged', async (t) => {
    const chatId = randomUUID();
    const [sender, ...recipients] = Array.from({ length: 256 }, () => randomUUID());
    const docs = Array.from({ length: 20 }, (_, i) =>
      message(chatId, sender, recipients, new Date(Date.UTC(2026, 1, 1, 0, 0, i))),
    );
    const send = await counted(() =>
      Promise.all(docs.map((doc) => store.insert(doc, msgNewEvent(doc)))),
    );
    assert.deepEqual(send.result, Array<string>(20).fill('inserted'));
    // A lone first write, then the other 19 together: three inserts each (events, recipients, messages).
    assert.deepEqual(send.commands, Array<string>(6).fill('insert'));
    for (const id of [recipients[0], recipients[254]])
      assert.deepEqual(ids(await store.undelivered(id, undefined, 100)), ids(docs));

    const changes = recipients.map((id) => change(docs[0], id, 'delivered'));
    const receipts = await counted(() => store.advanceStatus(changes));
    assert.deepEqual(
      receipts.result,
      recipients.map(() => true),
    );
    assert.deepEqual(receipts.commands, ['insert', 'update']);
    const pending = await pendingIds();
    assert.ok(changes.every((c) => pending.has(c.event.event_id)));
    const back = await store.findById(docs[0].message_id);
    assert.deepEqual(back?.undelivered_to, []);
    assert.ok(Object.values(back?.status ?? {}).every((entry) => entry.status === 'delivered'));

    const one = await counted(() => store.advanceStatus([change(docs[19], recipients[7], 'read')]));
    assert.deepEqual(one.result, [true]);
    assert.deepEqual(one.commands, ['insert', 'update']);
    const backlog = await store.undelivered(recipients[100], undefined, 100);
    assert.deepEqual(ids(backlog), ids(docs.slice(1)));
    assert.equal(backlog[0].undelivered_to.length, 255);
    const history = await counted(() => store.history(chatId, sender, undefined, 20));
    assert.equal(history.result.length, 20);
    assert.ok(history.result.every((doc) => Object.keys(doc.status).length === 255));
    const lone = message(chatId, sender, recipients, new Date(Date.UTC(2026, 1, 1, 0, 1)));
    const alone = await counted(() => store.insert(lone, msgNewEvent(lone)));
    assert.deepEqual(alone.commands, ['insert', 'insert', 'insert']);
    t.diagnostic(
      `255 recipients: 20 sends ${send.ms} ms (${send.commands.length} commands), one alone ` +
        `${alone.ms} ms; 255 receipts ${receipts.ms} ms (${receipts.commands.length}); one ` +
        `receipt ${one.ms} ms; history of 20 ${history.ms} ms (${history.commands.length} commands)`,
    );
  });

  test('with batchWaitMs, inserts arriving within the wait share one batch of commands', async () => {
    const chatId = randomUUID();
    const [alice, bob] = [randomUUID(), randomUUID()];
    const docs = [message(chatId, alice, [bob]), message(chatId, alice, [bob])];
    const both = await counted(async () => {
      const first = waiting.insert(docs[0], msgNewEvent(docs[0]));
      await new Promise((resolve) => setTimeout(resolve, 20));
      return Promise.all([first, waiting.insert(docs[1], msgNewEvent(docs[1]))]);
    });
    assert.deepEqual(both.result, ['inserted', 'inserted']);
    assert.deepEqual(both.commands, ['insert', 'insert', 'insert']);
  });

  test('a direct message costs three commands to store, two per receipt, three for a read up to it', async (t) => {
    const chatId = randomUUID();
    const [alice, bob] = [randomUUID(), randomUUID()];
    const doc = message(chatId, alice, [bob]);
    const send = await counted(() => store.insert(doc, msgNewEvent(doc)));
    assert.deepEqual(send.commands, ['insert', 'insert', 'insert']);
    const delivered = await counted(() => store.advanceStatus([change(doc, bob, 'delivered')]));
    assert.deepEqual(delivered.commands, ['insert', 'update']);
    const at = new Date();
    const read = await counted(() =>
      store.markReadUpTo(chatId, bob, doc, false, at, msgStatusEvent(doc, bob, 'read', at, false)),
    );
    assert.equal(read.result, 1);
    assert.deepEqual(read.commands, ['insert', 'update', 'update']);
    const page = await counted(() => store.history(chatId, bob, undefined, 50));
    t.diagnostic(
      `direct: send ${send.ms} ms, delivered ${delivered.ms} ms, read ${read.ms} ms, ` +
        `history ${page.ms} ms (${page.commands.length} commands)`,
    );
  });

  test('a receipt batch where only some move: each answered, the others acknowledged, their events removed', async () => {
    const [sender, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
    const doc = message(randomUUID(), sender, [bob, carol]);
    await store.insert(doc, msgNewEvent(doc));
    await store.advanceStatus([change(doc, bob, 'read')]);
    const batch = [change(doc, bob, 'delivered'), change(doc, carol, 'delivered')];
    const { result, commands } = await counted(() => store.advanceStatus(batch));
    assert.deepEqual(result, [false, true]);
    // Events, the moves, the marker read; then the acknowledgement and the event removal together.
    assert.deepEqual(commands.slice(0, 3), ['insert', 'update', 'find']);
    assert.deepEqual([...commands.slice(3)].sort(), ['delete', 'update']);
    const pending = await pendingIds();
    assert.equal(pending.has(batch[0].event.event_id), false);
    assert.equal(pending.has(batch[1].event.event_id), true);
  });

  test('a document the store refuses fails only its own insert; nothing of it or of a duplicate stays behind', async () => {
    const chatId = randomUUID();
    const [sender, reader] = [randomUUID(), randomUUID()];
    const at = (i: number) => new Date(Date.UTC(2026, 2, 1, 0, 0, i));
    const earlier = message(chatId, sender, [reader], at(0));
    await store.insert(earlier, msgNewEvent(earlier));
    const docs = Array.from({ length: 5 }, (_, i) => message(chatId, sender, [reader], at(i + 1)));
    // Larger than any document may be (16 MiB); its event, kept small, is stored first.
    const oversized = { ...docs[2], payload: { body: 'x'.repeat(17 * 1024 * 1024) } };
    const resend = { ...docs[3], client_msg_id: earlier.client_msg_id };
    const batch = [docs[0], docs[1], oversized, resend, docs[4]];
    const outcomes = await Promise.allSettled(
      batch.map((doc) => store.insert(doc, msgNewEvent({ ...doc, payload: { body: 'x' } }))),
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
    for (const doc of [oversized, resend]) {
      assert.equal(await store.findById(doc.message_id), null);
      assert.equal(pending.has(doc.event_id), false);
      assert.equal(await countIn(database.db, 'message_deliveries', doc.message_id), 0);
    }
    assert.deepEqual(
      ids(await store.undelivered(reader, undefined, 10)),
      ids([earlier, docs[0], docs[1], docs[4]]),
    );
  });

  test('the sweep drops a msg.new whose message never got stored, with its recipients', async () => {
    const doc = message(randomUUID(), randomUUID(), [randomUUID(), randomUUID()]);
    // What a crash between the recipients and the message leaves.
    await database.db.collection('message_deliveries').insertMany(
      Object.keys(doc.status).map((userId) => ({
        message_id: doc.message_id,
        user_id: userId,
        chat_id: doc.chat_id,
        created_at: doc.created_at,
        status: 'sent',
        updated_at: doc.created_at,
        owed: true,
      })),
    );
    assert.deepEqual(await store.undelivered(doc.undelivered_to[0], undefined, 10), []);
    assert.deepEqual(await store.confirm?.([msgNewEvent(doc)]), [false]);
    assert.equal(await countIn(database.db, 'message_deliveries', doc.message_id), 0);
  });
});

describe('mongodb message store: the first layout', () => {
  let database: Awaited<ReturnType<typeof privateDatabase>>;
  let store: MessageStore;
  before(async () => {
    database = await privateDatabase();
    store = await openMongoMessageStore(database.url, { log });
  });
  after(async () => {
    await store?.close();
    await database?.drop();
  });

  test('messages with their statuses, owed and starred arrays inside are moved once and read back whole', async () => {
    const chatId = randomUUID();
    const [alice, bob, carol, dave] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const at = new Date(Date.UTC(2026, 0, 5));
    const small: MessageDoc = {
      ...message(chatId, alice, [bob, carol, dave], at),
      status: {
        [bob]: { status: 'read', updated_at: at, receipt_hidden: true },
        [carol]: { status: 'delivered', updated_at: at },
        [dave]: { status: 'sent', updated_at: at },
      },
      undelivered_to: [dave],
      is_starred_by: [bob, carol],
      deleted_for: [carol],
    };
    const members = Array.from({ length: 255 }, () => randomUUID());
    const large = message(chatId, alice, members, new Date(at.getTime() + 1_000));
    await database.db.collection('messages').insertMany([{ ...small }, { ...large }]);

    assert.equal(await migrateMessageLayout(database.db, log), 2);
    assert.equal(await migrateMessageLayout(database.db, log), 0);
    const raw = await database.db.collection('messages').findOne({ message_id: small.message_id });
    assert.ok(raw && !('status' in raw) && !('undelivered_to' in raw) && !('is_starred_by' in raw));
    assert.equal(await database.db.collection('message_deliveries').countDocuments(), 258);
    assert.equal(await database.db.collection('message_stars').countDocuments(), 2);

    const back = await store.findById(small.message_id);
    assert.deepEqual(back, { ...small, is_starred_by: [bob, carol].sort() });
    assert.deepEqual(ids(await store.undelivered(dave, undefined, 10)), ids([small]));
    assert.deepEqual(ids(await store.undelivered(members[254], undefined, 10)), ids([large]));
    assert.deepEqual(ids(await store.starred(bob, undefined, 10)), ids([small]));
    assert.deepEqual(await store.starred(carol, undefined, 10), []);
    const history = await store.history(chatId, alice, undefined, 10);
    assert.deepEqual(ids(history), ids([large, small]));
    assert.equal(Object.keys(history[0].status).length, 255);
    assert.deepEqual(await store.advanceStatus([change(large, members[3], 'delivered')]), [true]);
  });
});

describe('many receipts at once, on a FerretDB of its own', () => {
  // Its own server: the shared one, once wedged, would fail every test after this one.
  test('300 reads in flight together are all applied: FerretDB is not left waiting on itself', async () => {
    const database = await createTestDatabase('ferret');
    const ferret = await startFerretServer(database.url);
    const client = createMongoClient({ url: privateMongoUrl(ferret.url, 'receipts') });
    try {
      await client.connect();
      await applyMongoIndexes(client.db(), log);
      const store = await createMongoMessageStore(client, { log });
      const sender = randomUUID();
      const readers = Array.from({ length: 300 }, () => randomUUID());
      const docs = readers.map((reader) => message(randomUUID(), sender, [reader]));
      await Promise.all(docs.map((doc) => store.insert(doc, msgNewEvent(doc))));
      const at = new Date();
      const reads = Promise.all(
        docs.map((doc, i) =>
          store.markReadUpTo(
            doc.chat_id,
            readers[i],
            doc,
            false,
            at,
            msgStatusEvent(doc, readers[i], 'read', at, false),
          ),
        ),
      );
      // A liveness deadline, not a wait for absence: unbounded, these never settled.
      let deadline: NodeJS.Timeout | undefined;
      const wedged = new Promise<'wedged'>((resolve) => {
        deadline = setTimeout(() => resolve('wedged'), 60_000);
      });
      const outcome = await Promise.race([reads, wedged]).finally(() => clearTimeout(deadline));
      assert.deepEqual(
        outcome,
        docs.map(() => 1),
      );
    } finally {
      await client.close(true).catch(() => undefined);
      await ferret.destroy();
      await database.drop();
    }
  });
});
