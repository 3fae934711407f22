import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MessageDoc, MessageType } from '../src/model/message.ts';
import type { MessageStore } from '../src/repository/message-store.ts';
import { msgNewEvent, msgStatusEvent } from '../src/service/outbox-events.ts';
import { messageStoreContract, type StoreUnderTest } from './store-contract.ts';
import { openTestStore, receiptChange, textMessage } from './test-stores.ts';

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
