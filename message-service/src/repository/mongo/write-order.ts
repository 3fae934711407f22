import type { MongoOutboxStore } from '@wa/pkg/bus';
import { createPerKeyQueue, createWriteBatch } from '@wa/pkg/db';
import type { WorkTracker } from '@wa/pkg/health';

/*
 * MongoDB applies each update to a document atomically, so the filters of the updates (a status
 * only moves forward, a message is deleted once) cannot be raced. FerretDB v1 reads a document and
 * writes it back whole, so two concurrent updates of one document can undo each other. Updates of
 * one document therefore run one at a time in this process: a message's under its id, a
 * recipient's delivery states under (chat, recipient), which a read receipt updates together.
 *
 * Every update and delete is a `…Many`, also where a unique index makes it match one document:
 * FerretDB v1 keeps the PostgreSQL connection of a matching `updateOne` until its whole command
 * ends, so a bulkWrite of 255 receipts took one connection each, exhausted the pool and left the
 * server waiting on itself for good (and two concurrent single ones each hold one while waiting
 * for another). `updateMany` reads its matches to the end first, which releases the connection.
 */

export const messageKey = (messageId: string) => `message/${messageId}`;
export const recipientKey = (chatId: string, userId: string) => `recipient/${chatId}/${userId}`;

export function createWriteOrder() {
  const queue = createPerKeyQueue();
  /**
   * Runs `task` holding every key. Keys are taken in sorted order, so two tasks never each hold
   * a key the other waits for.
   */
  return function holding<T>(keys: string[], task: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const from = (i: number): Promise<T> =>
      i === sorted.length ? task() : queue(sorted[i], () => from(i + 1));
    return from(0);
  };
}

export type WriteOrder = ReturnType<typeof createWriteOrder>;

/**
 * Removes the stored events of changes that did not apply (outbox-first: the event was stored
 * before its change). Concurrent removals share one delete. Awaited by the change's caller, since
 * the relay's sweep could otherwise publish one whose change a later one made true (a retried
 * `delivered` once the recipient is at `delivered` anyway).
 */
export function createEventRemoval(
  outbox: Pick<MongoOutboxStore, 'remove'>,
  progress?: WorkTracker,
) {
  const remove = createWriteBatch(
    async (eventIds: string[]) => {
      await outbox.remove(eventIds);
      return eventIds.map(() => undefined);
    },
    { progress },
  );
  return async (eventIds: string[]): Promise<void> => {
    await Promise.all(eventIds.map((id) => remove(id)));
  };
}

export type EventRemoval = ReturnType<typeof createEventRemoval>;
