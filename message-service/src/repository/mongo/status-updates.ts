import { randomUUID } from 'node:crypto';
import type { MongoOutboxStore } from '@wa/pkg/bus';
import type { Collection, Db } from '@wa/pkg/db';
import { createConcurrencyLimit } from './concurrency-limit.ts';
import type { MessageStore, StatusChange } from '../message-store.ts';
import { DELIVERIES, type DeliveryDoc } from './documents.ts';
import { recipientKey, type EventRemoval, type WriteOrder } from './write-order.ts';

/*
 * Receipts. Each recipient's state is a small document of its own, so a receipt rewrites only
 * that (FerretDB rewrites whole documents), and a batch of receipts is one bulkWrite whatever the
 * number of messages and chats it names. Events are stored first, removed again for changes that
 * did not apply.
 * Updates are `updateMany` even where they match one document (write-order.ts).
 */

/**
 * A bulkWrite answers only how many documents it modified, not which. Each move pushes the
 * batch's marker onto the document (a status moves at most twice, so the list stays short); when
 * only some moved, one indexed read of the marker tells which.
 */
async function applyRound(
  deliveries: Collection<DeliveryDoc>,
  changes: StatusChange[],
): Promise<boolean[]> {
  const marker = randomUUID();
  const moves: Parameters<Collection<DeliveryDoc>['bulkWrite']>[0] = changes.map((change) => ({
    updateMany: {
      filter: {
        message_id: change.message.message_id,
        user_id: change.userId,
        status: { $in: change.from },
      },
      update: {
        $set: { status: change.target, updated_at: change.at, owed: false },
        $unset: { receipt_hidden: '' },
        $push: { moved_in: marker },
      },
    },
  }));
  const { modifiedCount } = await deliveries.bulkWrite(moves, { ordered: false });
  if (modifiedCount === changes.length) return changes.map(() => true);
  if (modifiedCount === 0) return changes.map(() => false);
  const moved = await deliveries
    .find({ moved_in: marker }, { projection: { _id: 0, message_id: 1, user_id: 1 } })
    .toArray();
  const pairs = new Set(moved.map((doc) => `${doc.message_id}/${doc.user_id}`));
  return changes.map((change) => pairs.has(`${change.message.message_id}/${change.userId}`));
}

/**
 * One update applies a change to a document at most once, so a batch naming one recipient of one
 * message twice goes in rounds, in its order: the n-th mention of each pair in round n.
 */
function rounds(changes: StatusChange[]): number[][] {
  const seen = new Map<string, number>();
  const result: number[][] = [];
  changes.forEach((change, i) => {
    const pair = `${change.message.message_id}/${change.userId}`;
    const round = seen.get(pair) ?? 0;
    seen.set(pair, round + 1);
    (result[round] ??= []).push(i);
  });
  return result;
}

/**
 * Receipts in flight at once. An open chat reads every message it receives, and a batch of reads
 * arrives together (UpdateReceipts, MarkReads): unbounded, they exhausted FerretDB's PostgreSQL pool and it never
 * answered again (write-order.ts).
 */
export const MAX_RECEIPTS_IN_FLIGHT = 16;

export function createStatusUpdates(
  db: Db,
  outbox: Pick<MongoOutboxStore, 'insertMany' | 'enqueue'>,
  removeEvents: EventRemoval,
  holding: WriteOrder,
): Pick<MessageStore, 'advanceStatus' | 'markReadUpTo'> {
  // Taken inside `holding`: a task waits for its keys first, so no slot waits on a key.
  const limited = createConcurrencyLimit(MAX_RECEIPTS_IN_FLIGHT);
  const deliveries = db.collection<DeliveryDoc>(DELIVERIES);

  /** Recipients named by a change are no longer owed the message, moved or not. */
  async function acknowledge(changes: StatusChange[]): Promise<void> {
    if (!changes.length) return;
    await deliveries.bulkWrite(
      changes.map((change) => ({
        updateMany: {
          filter: { message_id: change.message.message_id, user_id: change.userId, owed: true },
          update: { $set: { owed: false } },
        },
      })),
      { ordered: false },
    );
  }

  return {
    async advanceStatus(changes) {
      if (!changes.length) return [];
      const keys = changes.map((change) => recipientKey(change.message.chat_id, change.userId));
      return holding(keys, () =>
        limited(async () => {
          await outbox.insertMany(changes.map((change) => change.event));
          const moved = changes.map(() => false);
          for (const round of rounds(changes)) {
            const results = await applyRound(
              deliveries,
              round.map((i) => changes[i]),
            );
            round.forEach((i, j) => (moved[i] = results[j]));
          }
          const refused = changes.filter((_, i) => !moved[i]);
          // A moved status is acknowledged by its own update; only the others need another.
          await Promise.all([
            acknowledge(refused),
            removeEvents(refused.map((change) => change.event.event_id)),
          ]);
          return moved;
        }),
      );
    },

    markReadUpTo(chatId, userId, upTo, receiptHidden, at, event) {
      return holding([recipientKey(chatId, userId)], () =>
        limited(async () => {
          await outbox.enqueue(event);
          const read = { status: 'read' as const, updated_at: at };
          const update = receiptHidden
            ? { $set: { ...read, receipt_hidden: true as const } }
            : { $set: read, $unset: { receipt_hidden: '' as const } };
          // One equality per status, not `$in`: FerretDB hands only equalities to PostgreSQL.
          const { modifiedCount } = await deliveries.bulkWrite(
            (['sent', 'delivered'] as const).map((status) => ({
              updateMany: {
                filter: {
                  user_id: userId,
                  chat_id: chatId,
                  status,
                  created_at: { $lte: upTo.created_at },
                },
                update,
              },
            })),
            { ordered: false },
          );
          // Only `upTo` is known to be on the reader's device: an earlier message it never received
          // stays owed, and is replayed until a delivery acknowledges it.
          await Promise.all([
            deliveries.updateMany(
              { message_id: upTo.message_id, user_id: userId, owed: true },
              { $set: { owed: false } },
            ),
            modifiedCount ? undefined : removeEvents([event.event_id]),
          ]);
          return modifiedCount;
        }),
      );
    },
  };
}
