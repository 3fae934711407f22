import { createPostgresOutboxStore } from '@wa/pkg/bus';
import { connectPostgresSplit, pingPostgres } from '@wa/pkg/db';
import { writeBatching, type MessageStore, type OpenMessageStore } from '../message-store.ts';
import { createMessageInserts } from './message-inserts.ts';
import { createMessageReads } from './message-reads.ts';
import { createMessageUpdates } from './message-updates.ts';
import { createReadMarks } from './read-marks.ts';

/*
 * Addenda K: the message store on native PostgreSQL tables (migrations/postgres/0005). Every event
 * is written in the transaction of its change, into `message_outbox`, so the relay needs no
 * `confirm`: an event exists exactly when its change committed.
 */

export const MESSAGE_OUTBOX_TABLE = 'message_outbox';

/** Opens the store at `url` (`postgres://` or `postgresql://`) once PostgreSQL has answered. */
export const openPostgresMessageStore: OpenMessageStore = async (url, context) => {
  // Writes (batched, one statement per batch) on connections that plan each statement once.
  const { pool, writes, end } = await connectPostgresSplit(
    { url, poolMax: context.poolMax ?? 10 },
    context.log,
  );
  const batching = writeBatching(context);
  const store: MessageStore = {
    kind: 'postgres',
    outbox: createPostgresOutboxStore(writes, MESSAGE_OUTBOX_TABLE),
    insert: createMessageInserts(writes, batching),
    ...createMessageReads(pool),
    ...createMessageUpdates(writes, context.log),
    ...createReadMarks(writes, context.log, batching),
    ping: () => pingPostgres(pool),
    close: end,
  };
  return store;
};
