import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { OutboxEvent } from '@wa/pkg/bus';
import {
  DELETED_BODY,
  newMessageDoc,
  type MessageDoc,
  type NewMessageFields,
} from '../src/model/message.ts';
import type { MessageStore } from '../src/repository/message-store.ts';
import { msgDeletedEvent, msgNewEvent, msgStatusEvent } from '../src/service/outbox-events.ts';
import { idsOf, receiptChange } from './test-stores.ts';

/*
 * Addenda K: the contract every message store adapter keeps, run against each of them
 * (store-postgres.test.ts, store-mongo.test.ts). Only the MessageStore interface is used here: an
 * adapter passes by what it answers, whatever its layout.
 */

export interface StoreUnderTest {
  store: MessageStore;
  /** Closes the store and removes its database. */
  dispose: () => Promise<void>;
}

/** Milliseconds apart, so every test controls the order of what it stores. */
const clock = (start = Date.UTC(2026, 0, 1)) => {
  let t = start;
  return () => new Date((t += 1_000));
};

export function messageStoreContract(adapter: string, open: () => Promise<StoreUnderTest>) {
  describe(`message store contract: ${adapter}`, () => {
    let subject: StoreUnderTest;
    let store: MessageStore;
    const tick = clock();

    before(async () => {
      subject = await open();
      store = subject.store;
    });
    after(() => subject?.dispose());

    const message = (
      chatId: string,
      senderId: string,
      recipients: readonly string[],
      fields: Partial<NewMessageFields> = {},
      at = tick(),
    ): MessageDoc =>
      newMessageDoc(
        chatId,
        recipients,
        {
          sender_id: senderId,
          client_msg_id: randomUUID(),
          type: 'text',
          payload: { body: `message ${randomUUID()}` },
          ...fields,
        },
        at,
      );

    async function stored(doc: MessageDoc): Promise<MessageDoc> {
      assert.equal(await store.insert(doc, msgNewEvent(doc)), 'inserted');
      return doc;
    }

    /** A chat of `size` members (the first the sender) with `count` messages from the sender. */
    async function chatWith(count: number, size = 2) {
      const chatId = randomUUID();
      const members = Array.from({ length: size }, () => randomUUID());
      const [sender, ...recipients] = members;
      const docs: MessageDoc[] = [];
      for (let i = 0; i < count; i++)
        docs.push(
          await stored(message(chatId, sender, recipients, { payload: { body: `m${i}` } })),
        );
      return { chatId, sender, recipients, reader: recipients[0], docs };
    }

    const change = (doc: MessageDoc, userId: string, target: 'delivered' | 'read') =>
      receiptChange(doc, userId, target, tick());
    const ids = idsOf;

    /** Whether the relay would publish `event`: stored and, where the adapter asks, confirmed. */
    async function wouldPublish(event: OutboxEvent): Promise<boolean> {
      const pending = await store.outbox.pending(0, 100_000);
      const found = pending.find((entry) => entry.event_id === event.event_id);
      if (!found) return false;
      assert.equal(found.subject, event.subject);
      assert.deepEqual(found.payload, JSON.parse(JSON.stringify(event.payload)));
      return store.confirm ? (await store.confirm([found]))[0] : true;
    }

    test('answers its readiness probe', async () => {
      assert.equal(await store.ping(), true);
    });

    describe('insert and lookups', () => {
      test('a stored message reads back exactly, by id and by client id, with its msg.new', async () => {
        const [sender, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
        const doc = message(randomUUID(), sender, [bob, carol], {
          type: 'image',
          payload: {
            media_id: randomUUID(),
            caption: 'Ünïcödé 😀 caption',
            filename: 'a.png',
          },
          reply_to_message_id: randomUUID(),
        });
        await stored(doc);
        const byId = await store.findById(doc.message_id);
        assert.ok(byId);
        assert.deepEqual(
          { ...byId, undelivered_to: [...byId.undelivered_to].sort() },
          { ...doc, undelivered_to: [...doc.undelivered_to].sort() },
        );
        assert.deepEqual(await store.findByClientId(sender, doc.client_msg_id), byId);
        assert.equal(await store.findById(randomUUID()), null);
        assert.equal(await store.findByClientId(sender, randomUUID()), null);
        assert.equal(await wouldPublish(msgNewEvent(doc)), true);
      });

      test('a forwarded copy keeps where it came from', async () => {
        const source = { chat_id: randomUUID(), message_id: randomUUID() };
        const doc = await stored(
          message(randomUUID(), randomUUID(), [randomUUID()], {
            forwarded: true,
            forwarded_from: source,
          }),
        );
        const back = await store.findById(doc.message_id);
        assert.equal(back?.forwarded, true);
        assert.deepEqual(back?.forwarded_from, source);
      });

      test("a sender's client_msg_id is stored once: a resend is a duplicate and writes nothing", async () => {
        const sender = randomUUID();
        const first = await stored(message(randomUUID(), sender, [randomUUID()]));
        const resend = message(first.chat_id, sender, first.undelivered_to, {
          client_msg_id: first.client_msg_id,
        });
        assert.equal(await store.insert(resend, msgNewEvent(resend)), 'duplicate');
        assert.equal(await store.findById(resend.message_id), null);
        assert.equal(
          (await store.findByClientId(sender, first.client_msg_id))?.message_id,
          first.message_id,
        );
        assert.equal(await wouldPublish(msgNewEvent(resend)), false);
        // Another sender may use the same client_msg_id.
        await stored(
          message(first.chat_id, randomUUID(), [sender], { client_msg_id: first.client_msg_id }),
        );
      });

      test('concurrent inserts are each answered for themselves, duplicates among them included', async () => {
        const chatId = randomUUID();
        const sender = randomUUID();
        const docs = Array.from({ length: 40 }, () => message(chatId, sender, [randomUUID()]));
        const repeats = docs
          .slice(0, 10)
          .map((doc) =>
            message(chatId, sender, doc.undelivered_to, { client_msg_id: doc.client_msg_id }),
          );
        await Promise.all(docs.slice(0, 10).map((doc) => store.insert(doc, msgNewEvent(doc))));
        const outcomes = await Promise.all(
          [...docs.slice(10), ...repeats].map((doc) => store.insert(doc, msgNewEvent(doc))),
        );
        assert.deepEqual(outcomes, [
          ...Array<string>(30).fill('inserted'),
          ...Array<string>(10).fill('duplicate'),
        ]);
        for (const doc of docs) assert.ok(await store.findById(doc.message_id));
        for (const doc of repeats) assert.equal(await store.findById(doc.message_id), null);
      });
    });

    describe('history', () => {
      test('newest first, in keyset pages, ties on created_at broken by message_id', async () => {
        const chatId = randomUUID();
        const [sender, reader] = [randomUUID(), randomUUID()];
        const at = tick();
        const docs = [
          await stored(message(chatId, sender, [reader], {}, tick())),
          // Three at the same instant: their order is message_id's.
          ...(await Promise.all(
            [0, 1, 2].map(() => stored(message(chatId, sender, [reader], {}, at))),
          )),
          await stored(message(chatId, reader, [sender], {}, tick())),
        ];
        const expected = ids(
          [...docs].sort(
            (a, b) =>
              b.created_at.getTime() - a.created_at.getTime() ||
              (a.message_id < b.message_id ? 1 : -1),
          ),
        );
        await stored(message(randomUUID(), sender, [reader])); // another chat
        const seen: string[] = [];
        let before: MessageDoc | undefined;
        for (;;) {
          const page = await store.history(chatId, reader, before, 2);
          seen.push(...ids(page));
          if (page.length < 2) break;
          before = page.at(-1);
        }
        assert.deepEqual(seen, expected);
        assert.deepEqual(ids(await store.history(chatId, reader, undefined, 10)), expected);
      });

      test("a message deleted for me leaves my history only; a sender's view has every status", async () => {
        const { chatId, sender, recipients, docs } = await chatWith(3, 3);
        const [bob, carol] = recipients;
        await store.hideFor(docs[1], bob);
        await store.hideFor(docs[1], bob); // idempotent
        assert.deepEqual(
          ids(await store.history(chatId, bob, undefined, 10)),
          ids([docs[2], docs[0]]),
        );
        assert.deepEqual(
          ids(await store.history(chatId, carol, undefined, 10)),
          ids([docs[2], docs[1], docs[0]]),
        );
        const [newest] = await store.history(chatId, sender, undefined, 1);
        assert.deepEqual(Object.keys(newest.status).sort(), [bob, carol].sort());
        assert.equal((await store.findById(docs[1].message_id))?.deleted_for.includes(bob), true);
      });
    });

    describe('search', () => {
      test('whole words, case-insensitive, every term, body and caption, this chat only', async () => {
        const chatId = randomUUID();
        const [alice, bob] = [randomUUID(), randomUUID()];
        const send = (body: string, fields: Partial<NewMessageFields> = {}) =>
          stored(message(chatId, alice, [bob], { payload: { body }, ...fields }));
        const cafe = await send('Meet me at the Café tomorrow');
        const maybe = await send('tomorrow works (maybe)');
        await send('tomorrowland is a festival');
        const photo = await send('', {
          type: 'image',
          payload: { media_id: randomUUID(), caption: 'Sunset tomorrow', filename: 'b.jpg' },
        });
        await stored(
          message(randomUUID(), alice, [bob], { payload: { body: 'tomorrow elsewhere' } }),
        );
        const search = async (terms: string[], viewer = bob) =>
          ids(await store.search(chatId, viewer, terms, 20));
        assert.deepEqual(await search(['TOMORROW']), ids([photo, maybe, cafe]));
        assert.deepEqual(await search(['café']), ids([cafe]));
        assert.deepEqual(await search(['tomorrow', 'maybe']), ids([maybe]));
        assert.deepEqual(await search(['sunset']), ids([photo]));
        assert.deepEqual(await search(['nothing']), []);
        assert.deepEqual(ids(await store.search(chatId, bob, ['tomorrow'], 1)), ids([photo]));

        await store.hideFor(photo, bob);
        assert.deepEqual(await search(['tomorrow']), ids([maybe, cafe]));
        assert.deepEqual(await search(['tomorrow'], alice), ids([photo, maybe, cafe]));
        const at = tick();
        assert.equal(
          await store.deleteForEveryone(
            maybe,
            { body: DELETED_BODY },
            at,
            msgDeletedEvent(maybe, at),
          ),
          true,
        );
        assert.deepEqual(await search(['tomorrow'], alice), ids([photo, cafe]));
      });
    });

    describe('stars', () => {
      test("my starred messages, newest first in keyset pages, not others' stars nor what I deleted", async () => {
        const { sender, reader, docs } = await chatWith(4);
        const other = await chatWith(1);
        for (const doc of [docs[0], docs[2], docs[3]]) await store.setStar(doc, reader, true);
        await store.setStar(docs[3], reader, true); // idempotent
        await store.setStar(other.docs[0], reader, true);
        await store.setStar(docs[1], sender, true);
        const first = await store.starred(reader, undefined, 2);
        assert.deepEqual(ids(first), ids([other.docs[0], docs[3]]));
        assert.ok(first.every((doc) => doc.is_starred_by.includes(reader)));
        assert.deepEqual(
          ids(await store.starred(reader, first.at(-1), 10)),
          ids([docs[2], docs[0]]),
        );

        await store.setStar(docs[2], reader, false);
        await store.setStar(docs[2], reader, false);
        await store.hideFor(docs[0], reader);
        assert.deepEqual(
          ids(await store.starred(reader, undefined, 10)),
          ids([other.docs[0], docs[3]]),
        );
        assert.deepEqual(ids(await store.starred(sender, undefined, 10)), ids([docs[1]]));
        const back = await store.findById(docs[3].message_id);
        assert.deepEqual(back?.is_starred_by, [reader]);
      });
    });

    describe('receipts', () => {
      test('a status only moves forward; each move records its event, a refused one none', async () => {
        const { reader, docs } = await chatWith(1);
        const [doc] = docs;
        const delivered = change(doc, reader, 'delivered');
        assert.deepEqual(await store.advanceStatus([delivered]), [true]);
        assert.equal(await wouldPublish(delivered.event), true);
        const again = change(doc, reader, 'delivered');
        assert.deepEqual(await store.advanceStatus([again]), [false]);
        assert.equal(await wouldPublish(again.event), false);

        const read = change(doc, reader, 'read');
        assert.deepEqual(await store.advanceStatus([read]), [true]);
        const late = change(doc, reader, 'delivered');
        assert.deepEqual(await store.advanceStatus([late]), [false]);
        const back = await store.findById(doc.message_id);
        assert.deepEqual(back?.status[reader], { status: 'read', updated_at: read.at });
        assert.equal(await wouldPublish(late.event), false);
      });

      test("a batch of changes is answered in order; a stranger's receipt moves nothing", async () => {
        const { sender, recipients, docs } = await chatWith(3, 3);
        const [bob, carol] = recipients;
        await store.advanceStatus([change(docs[1], bob, 'delivered')]);
        const batch = [
          change(docs[0], bob, 'delivered'),
          change(docs[1], bob, 'delivered'),
          change(docs[2], carol, 'read'),
          change(docs[0], randomUUID(), 'delivered'),
          change(docs[0], sender, 'read'),
          change(docs[2], bob, 'delivered'),
        ];
        assert.deepEqual(await store.advanceStatus(batch), [true, false, true, false, false, true]);
        for (const [i, moved] of [true, false, true, false, false, true].entries())
          assert.equal(await wouldPublish(batch[i].event), moved, `change ${i}`);
        const third = await store.findById(docs[2].message_id);
        assert.equal(third?.status[carol].status, 'read');
        assert.equal(third?.status[bob].status, 'delivered');
        assert.deepEqual(await store.advanceStatus([]), []);
      });

      test('the undelivered backlog: oldest first, in pages, until a device acknowledges', async () => {
        const { recipients, docs } = await chatWith(5, 3);
        const [bob, carol] = recipients;
        const first = await store.undelivered(bob, undefined, 2);
        assert.deepEqual(ids(first), ids(docs.slice(0, 2)));
        assert.deepEqual(ids(await store.undelivered(bob, first.at(-1), 10)), ids(docs.slice(2)));

        // Acknowledged (moved or not: a read message named again is no longer owed either).
        await store.advanceStatus([
          change(docs[1], bob, 'delivered'),
          change(docs[3], bob, 'read'),
        ]);
        await store.advanceStatus([change(docs[3], bob, 'delivered')]);
        assert.deepEqual(
          ids(await store.undelivered(bob, undefined, 10)),
          ids([docs[0], docs[2], docs[4]]),
        );
        assert.deepEqual(ids(await store.undelivered(carol, undefined, 10)), ids(docs));
        const owed = (await store.findById(docs[1].message_id))?.undelivered_to;
        assert.deepEqual(owed, [carol]);
        assert.deepEqual(await store.undelivered(randomUUID(), undefined, 10), []);
      });

      test('read up to a message: everything before it from others, only it acknowledged', async () => {
        const chatId = randomUUID();
        const [alice, bob] = [randomUUID(), randomUUID()];
        const fromAlice = [
          await stored(message(chatId, alice, [bob])),
          await stored(message(chatId, alice, [bob])),
        ];
        const fromBob = await stored(message(chatId, bob, [alice]));
        const upTo = await stored(message(chatId, alice, [bob]));
        const later = await stored(message(chatId, alice, [bob]));
        await store.advanceStatus([change(fromAlice[1], bob, 'delivered')]);

        const at = tick();
        const event = msgStatusEvent(upTo, bob, 'read', at, true);
        assert.equal(await store.markReadUpTo(chatId, bob, upTo, true, at, event), 3);
        assert.equal(await wouldPublish(event), true);
        for (const doc of [...fromAlice, upTo])
          assert.deepEqual((await store.findById(doc.message_id))?.status[bob], {
            status: 'read',
            updated_at: at,
            receipt_hidden: true,
          });
        assert.equal((await store.findById(later.message_id))?.status[bob].status, 'sent');
        assert.equal((await store.findById(fromBob.message_id))?.status[alice].status, 'sent');
        // The first was never acknowledged by a device: still owed, replayed on connect.
        assert.deepEqual(
          ids(await store.undelivered(bob, undefined, 10)),
          ids([fromAlice[0], later]),
        );

        const again = msgStatusEvent(upTo, bob, 'read', tick(), false);
        assert.equal(await store.markReadUpTo(chatId, bob, upTo, false, tick(), again), 0);
        assert.equal(await wouldPublish(again), false);
      });

      test('reads arriving together: every row moved once, each event recorded iff its read moved one', async () => {
        const chatId = randomUUID();
        const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
        const docs = [];
        for (let i = 0; i < 4; i++) docs.push(await stored(message(chatId, alice, [bob, carol])));
        const read = (reader: string, upTo: MessageDoc) => {
          const at = tick();
          const event = msgStatusEvent(upTo, reader, 'read', at, false);
          return { event, moved: store.markReadUpTo(chatId, reader, upTo, false, at, event) };
        };
        // Not awaited one by one: a store that batches writes takes them in one go.
        const reads = [
          read(bob, docs[1]),
          read(carol, docs[3]),
          read(bob, docs[2]),
          read(bob, docs[0]),
        ];
        const moved = await Promise.all(reads.map((r) => r.moved));
        assert.equal(moved[0] + moved[2] + moved[3], 3, 'bob: three rows, each once');
        assert.equal(moved[1], 4);
        assert.deepEqual(
          await Promise.all(reads.map((r) => wouldPublish(r.event))),
          moved.map((count) => count > 0),
        );
        const back = await Promise.all(docs.map((doc) => store.findById(doc.message_id)));
        assert.deepEqual(
          back.map((doc) => doc?.status[bob].status),
          ['read', 'read', 'read', 'sent'],
        );
        assert.deepEqual(
          back.map((doc) => doc?.status[carol].status),
          ['read', 'read', 'read', 'read'],
        );
        // Only the messages a read named were acknowledged by a device.
        assert.deepEqual(ids(await store.undelivered(bob, undefined, 10)), ids([docs[3]]));
        assert.deepEqual(ids(await store.undelivered(carol, undefined, 10)), ids(docs.slice(0, 3)));
      });

      test("one reader's reads of two chats arriving together: each moves its own chat's rows", async () => {
        const [firstChat, secondChat, otherChat] = [randomUUID(), randomUUID(), randomUUID()];
        const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
        const first = [];
        const second = [];
        for (let i = 0; i < 3; i++) {
          first.push(await stored(message(firstChat, alice, [bob])));
          second.push(await stored(message(secondChat, alice, [bob])));
        }
        const other = await stored(message(otherChat, alice, [carol]));
        const read = (reader: string, chatId: string, upTo: MessageDoc) => {
          const at = tick();
          const event = msgStatusEvent(upTo, reader, 'read', at, false);
          return { event, moved: store.markReadUpTo(chatId, reader, upTo, false, at, event) };
        };
        // Not awaited one by one: a store that batches writes takes bob's two reads in one go,
        // behind the statement of carol's.
        const reads = [
          read(carol, otherChat, other),
          read(bob, firstChat, first[1]),
          read(bob, secondChat, second[2]),
        ];
        assert.deepEqual(await Promise.all(reads.map((r) => r.moved)), [1, 2, 3]);
        assert.deepEqual(await Promise.all(reads.map((r) => wouldPublish(r.event))), [
          true,
          true,
          true,
        ]);
        const statuses = async (docs: MessageDoc[]) =>
          (await Promise.all(docs.map((doc) => store.findById(doc.message_id)))).map(
            (doc) => doc?.status[bob].status,
          );
        assert.deepEqual(await statuses(first), ['read', 'read', 'sent']);
        assert.deepEqual(await statuses(second), ['read', 'read', 'read']);
      });

      test('the newest message from someone else at or before a point', async () => {
        const chatId = randomUUID();
        const [alice, bob] = [randomUUID(), randomUUID()];
        const fromBob = await stored(message(chatId, bob, [alice]));
        const own = await stored(message(chatId, alice, [bob]));
        await stored(message(chatId, bob, [alice]));
        assert.equal(
          (await store.latestFromOthers(chatId, alice, own))?.message_id,
          fromBob.message_id,
        );
        assert.equal(await store.latestFromOthers(chatId, bob, fromBob), null);
      });
    });

    describe('delete for everyone', () => {
      test('replaces the payload once, recording its event once', async () => {
        const { chatId, reader, docs } = await chatWith(1);
        const [doc] = docs;
        const at = tick();
        const event = msgDeletedEvent(doc, at);
        assert.equal(await store.deleteForEveryone(doc, { body: DELETED_BODY }, at, event), true);
        assert.equal(await wouldPublish(event), true);
        const second = msgDeletedEvent(doc, tick());
        assert.equal(
          await store.deleteForEveryone(doc, { body: DELETED_BODY }, tick(), second),
          false,
        );
        assert.equal(await wouldPublish(second), false);
        const back = await store.findById(doc.message_id);
        assert.equal(back?.is_deleted, true);
        assert.deepEqual(back?.payload, { body: DELETED_BODY });
        assert.deepEqual(back?.updated_at, at);
        assert.equal((await store.history(chatId, reader, undefined, 1))[0].is_deleted, true);
      });
    });

    describe('a full-size group (256 members)', () => {
      test('a message to 255 recipients is stored, owed, acknowledged and read like any other', async () => {
        const { chatId, sender, recipients, docs } = await chatWith(2, 256);
        const [doc] = docs;
        const back = await store.findById(doc.message_id);
        assert.equal(Object.keys(back?.status ?? {}).length, 255);
        assert.equal(back?.undelivered_to.length, 255);
        const somebody = recipients[200];
        assert.deepEqual(ids(await store.undelivered(somebody, undefined, 10)), ids(docs));

        const moved = await store.advanceStatus(
          recipients.map((id) => change(doc, id, 'delivered')),
        );
        assert.deepEqual(
          moved,
          recipients.map(() => true),
        );
        assert.deepEqual(ids(await store.undelivered(somebody, undefined, 10)), ids([docs[1]]));
        const at = tick();
        assert.equal(
          await store.markReadUpTo(
            chatId,
            somebody,
            docs[1],
            false,
            at,
            msgStatusEvent(docs[1], somebody, 'read', at, false),
          ),
          2,
        );
        const [newest] = await store.history(chatId, sender, undefined, 1);
        assert.equal(newest.status[somebody].status, 'read');
        assert.equal(Object.keys(newest.status).length, 255);
        for (const id of recipients.slice(0, 20)) await store.setStar(doc, id, true);
        assert.deepEqual(ids(await store.starred(recipients[5], undefined, 5)), ids([doc]));
      });
    });
  });
}
