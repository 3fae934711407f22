import type { MongoOutboxStore, OutboxEvent } from '@wa/pkg/bus';
import { createWriteBatch, onlyDuplicateKeys, type Db, type WriteBatchOptions } from '@wa/pkg/db';
import type { MessageDoc } from '../../model/message.ts';
import {
  DELIVERIES,
  deliveriesOf,
  MESSAGES,
  STARS,
  starsOf,
  storedMessage,
  type DeliveryDoc,
  type StarDoc,
  type StoredMessage,
} from './documents.ts';
import type { EventRemoval } from './write-order.ts';

/*
 * Inserts, group-committed: sends that arrive while one batch is written go together in the next,
 * one insertMany per collection. Order: the `msg.new` events (outbox-first), then the recipients'
 * delivery documents and stars, then the messages. A message is visible only once its recipients
 * are all stored, so no read ever sees it with a partial status map; a delivery whose message is
 * not stored (yet, or ever) is skipped by the reads, and removed with its event when the insert
 * fails or the relay's sweep finds a `msg.new` without its message (open-mongo-message-store.ts).
 */

export interface InsertItem {
  doc: MessageDoc;
  event: OutboxEvent<'msg.new'>;
}

type Outcome = 'inserted' | 'duplicate';

/** Positions of the documents an unordered insertMany refused by a unique index; rethrows the rest. */
function refusedAsDuplicates(error: unknown): Set<number> {
  if (!onlyDuplicateKeys(error)) throw error;
  const writeErrors = (error as { writeErrors: { index: number } | { index: number }[] })
    .writeErrors;
  return new Set((Array.isArray(writeErrors) ? writeErrors : [writeErrors]).map((e) => e.index));
}

/** An unordered insert that leaves out what a unique index already holds (an item written again). */
async function keepingStored(docs: unknown[], insert: () => Promise<unknown>): Promise<void> {
  if (!docs.length) return;
  try {
    await insert();
  } catch (error) {
    if (!onlyDuplicateKeys(error)) throw error;
  }
}

export function createMessageInserts(
  db: Db,
  outbox: Pick<MongoOutboxStore, 'insertMany'>,
  removeEvents: EventRemoval,
  batching: WriteBatchOptions = {},
) {
  const messages = db.collection<StoredMessage>(MESSAGES);
  const deliveries = db.collection<DeliveryDoc>(DELIVERIES);
  const stars = db.collection<StarDoc>(STARS);

  /** Whether `doc` is stored as this very message (by an earlier attempt of this item). */
  async function storedAlready(doc: MessageDoc): Promise<boolean> {
    const stored = await messages.findOne(
      { message_id: doc.message_id },
      { projection: { _id: 0, sender_id: 1, client_msg_id: 1 } },
    );
    return stored?.sender_id === doc.sender_id && stored.client_msg_id === doc.client_msg_id;
  }

  /** Removes what was written for messages that are not stored: events, recipients, stars. */
  async function discard(items: InsertItem[]): Promise<void> {
    if (!items.length) return;
    const byMessage = items.map((item) => ({
      deleteMany: { filter: { message_id: item.doc.message_id } },
    }));
    await Promise.all([
      removeEvents(items.map((item) => item.event.event_id)),
      deliveries.bulkWrite(byMessage, { ordered: false }),
      items.some((item) => item.doc.is_starred_by.length)
        ? stars.bulkWrite(byMessage, { ordered: false })
        : undefined,
    ]);
  }

  async function write(items: InsertItem[]): Promise<Outcome[]> {
    await outbox.insertMany(items.map((item) => item.event));
    const recipients = items.flatMap((item) => deliveriesOf(item.doc));
    const starred = items.flatMap((item) => starsOf(item.doc));
    await Promise.all([
      keepingStored(recipients, () => deliveries.insertMany(recipients, { ordered: false })),
      keepingStored(starred, () => stars.insertMany(starred, { ordered: false })),
    ]);
    let refused = new Set<number>();
    try {
      await messages.insertMany(
        items.map((item) => storedMessage(item.doc)),
        { ordered: false },
      );
    } catch (error) {
      refused = refusedAsDuplicates(error);
    }
    // A refused message is a resend of the sender's client_msg_id, or this item stored already.
    const outcomes = await Promise.all(
      items.map(async (item, i): Promise<Outcome> => {
        if (!refused.has(i)) return 'inserted';
        return (await storedAlready(item.doc)) ? 'inserted' : 'duplicate';
      }),
    );
    await discard(items.filter((_, i) => outcomes[i] === 'duplicate'));
    return outcomes;
  }

  const insertBatch = createWriteBatch(async (items: InsertItem[]): Promise<Outcome[]> => {
    try {
      return await write(items);
    } catch (error) {
      // A failed batch is written again item by item; alone, the failure is this item's own.
      if (items.length > 1) throw error;
      const stored = await storedAlready(items[0].doc).catch(() => undefined);
      if (stored) return ['inserted']; // stored after all: only the answer was lost
      // Unknown when the store is unreachable: the relay's sweep decides by what it finds later.
      if (stored === false) await discard(items).catch(() => undefined);
      throw error;
    }
  }, batching);

  return (doc: MessageDoc, event: OutboxEvent<'msg.new'>) => insertBatch({ doc, event });
}
