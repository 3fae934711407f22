import { randomUUID } from 'node:crypto';
import {
  openOnOwnDatabase,
  privateMongoDatabase as privateTestMongo,
  testLogger,
  testStores,
  type OwnDatabaseStore,
} from '@wa/pkg/testing';
import { newMessageDoc, type MessageDoc } from '../src/model/message.ts';
import type {
  MessageStore,
  MessageStoreContext,
  StatusChange,
} from '../src/repository/message-store.ts';
import { openMessageStore } from '../src/repository/open-message-store.ts';
import { statusChange } from '../src/service/outbox-events.ts';

/*
 * Message stores for tests, each on a database of its own (dropped by `dispose`): the service tests
 * run on the adapter TEST_MESSAGE_STORE names (postgres by default, as `make run`), the adapter
 * tests on theirs.
 */

export type StoreKind = MessageStore['kind'];

export const testStoreKind = (): StoreKind => testStores.messageStore;

/** A FerretDB/MongoDB database of its own for the message store. */
export const privateMongoDatabase = (prefix = 'msgstore') => privateTestMongo(prefix);

export type TestMessageStore = OwnDatabaseStore<MessageStore>;

/** A store of `kind` on a fresh database (PostgreSQL: a copy of the migrated template). */
export function openTestStore(
  kind: StoreKind = testStoreKind(),
  context: Partial<MessageStoreContext> = {},
): Promise<TestMessageStore> {
  return openOnOwnDatabase(kind, 'msgstore', (url) =>
    openMessageStore(url, { log: testLogger('message-store'), ...context }),
  );
}

/** A text message from `sender` to `recipients`, every recipient at `sent`. */
export const textMessage = (
  chatId: string,
  sender: string,
  recipients: readonly string[],
  at = new Date(),
): MessageDoc =>
  newMessageDoc(
    chatId,
    recipients,
    { sender_id: sender, client_msg_id: randomUUID(), type: 'text', payload: { body: 'hi' } },
    at,
  );

/** A receipt's change of `userId`'s status on `doc`, shown to the sender. */
export const receiptChange = (
  doc: MessageDoc,
  userId: string,
  target: 'delivered' | 'read',
  at = new Date(),
): StatusChange => statusChange(doc, userId, target, at);

export const idsOf = (docs: MessageDoc[]) => docs.map((doc) => doc.message_id);
