import { createPostgresOutboxStore } from '@wa/pkg/bus';
import { connectPostgres, pingPostgres } from '@wa/pkg/db';
import type { MessageStore, OpenMessageStore } from '../message-store.ts';
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
  const poolMax = context.poolMax ?? 10;
  const pool = await connectPostgres({ url, poolMax }, context.log);
  // Writes (batched, one statement per batch) on connections that plan each statement once.
  const writes = await connectPostgres({ url, poolMax, plans: 'generic' }, context.log).catch(
    async (error: unknown) => {
      await pool.end();
      throw error;
    },
  );
  const store: MessageStore = {
    kind: 'postgres',
    outbox: createPostgresOutboxStore(writes, MESSAGE_OUTBOX_TABLE),
    insert: createMessageInserts(writes, context.progress),
    ...createMessageReads(pool),
    ...createMessageUpdates(writes),
    ...createReadMarks(writes, context.progress),
    ping: () => pingPostgres(pool),
    close: async () => {
      await Promise.all([pool.end(), writes.end()]);
    },
  };
  return store;
};
