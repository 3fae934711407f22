import { createMongoOutboxStore, type ConfirmEvents, type MongoOutboxStore } from '@wa/pkg/bus';
import { connectMongo, pingMongo, type Db, type MongoClient } from '@wa/pkg/db';
import { changeApplied, messageIdOf } from '../../model/event-rules.ts';
import type { MessageDoc } from '../../model/message.ts';
import {
  writeBatching,
  type MessageStore,
  type MessageStoreContext,
  type OpenMessageStore,
} from '../message-store.ts';
import { probeCapabilities } from './capabilities.ts';
import { DELIVERIES, STARS } from './documents.ts';
import { createMessageInserts } from './message-inserts.ts';
import { createMessageLookups } from './message-lookups.ts';
import { createMessageReads } from './message-reads.ts';
import { createMessageUpdates } from './message-updates.ts';
import { createStatusUpdates } from './status-updates.ts';
import { createEventRemoval, createWriteOrder } from './write-order.ts';

/*
 * Addenda K: the message store on MongoDB 7, or FerretDB v1 here. Neither gives this layout
 * multi-document transactions, so every event is stored before its change (outbox-first) and
 * removed again, at once and in bulk, when the change did not apply; `confirm` lets the relay's
 * sweep check an event a stopped instance left behind.
 */

/** The outbox collection and relay lease, the same as before this store: one relay per service. */
export const MESSAGE_OUTBOX = {
  collection: 'message_event_outbox',
  leaseCollection: 'message_relay_lease',
  leaseName: 'message-service-relay',
} as const;

/**
 * Whether each event's change is in the store. A `msg.new` whose message is missing never got
 * stored (the sweep sees only events older than its grace period): what its insert wrote of the
 * recipients goes with it.
 */
function confirmFrom(db: Db, findById: MessageStore['findById']): ConfirmEvents {
  return async (events) => {
    const reads = new Map<string, Promise<MessageDoc | null>>();
    const read = (messageId: string) => {
      let found = reads.get(messageId);
      if (!found) reads.set(messageId, (found = findById(messageId)));
      return found;
    };
    return Promise.all(
      events.map(async (event) => {
        const messageId = messageIdOf(event);
        if (!messageId) return false;
        const message = await read(messageId);
        if (!message && event.subject === 'msg.new') {
          await db.collection(DELIVERIES).deleteMany({ message_id: messageId });
          await db.collection(STARS).deleteMany({ message_id: messageId });
        }
        return changeApplied(event, message);
      }),
    );
  };
}

/** The store over a connected client, which it then owns (`close` closes it). */
export async function createMongoMessageStore(
  client: MongoClient,
  context: MessageStoreContext,
): Promise<MessageStore> {
  const db = client.db();
  const capabilities = await probeCapabilities(db);
  context.log.info({ capabilities }, 'mongodb message store opened');

  const outbox: MongoOutboxStore = createMongoOutboxStore({ db, ...MESSAGE_OUTBOX });
  const removeEvents = createEventRemoval(outbox, context.progress);
  const holding = createWriteOrder();
  const reads = createMessageReads(db, createMessageLookups(db, capabilities), capabilities);
  return {
    kind: 'mongodb',
    outbox,
    confirm: confirmFrom(db, reads.findById),
    insert: createMessageInserts(db, outbox, removeEvents, writeBatching(context)),
    ...reads,
    ...createStatusUpdates(db, outbox, removeEvents, holding),
    ...createMessageUpdates(db, outbox, removeEvents, holding),
    ping: () => pingMongo(client),
    close: () => client.close(),
  };
}

/** Opens the store at `url` (`mongodb://`) once the server has answered. */
export const openMongoMessageStore: OpenMessageStore = async (url, context) => {
  const client = await connectMongo(url);
  try {
    return await createMongoMessageStore(client, context);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
};
