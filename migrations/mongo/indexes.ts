import { MongoServerError, type Db, type IndexDescription } from 'mongodb';

interface IndexLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface CollectionIndexes {
  collection: string;
  indexes: IndexDescription[];
  /** Indexes a backend may not support; failing one logs a warning instead of failing the run. */
  optional?: IndexDescription[];
}

/** PRD §5.2. Names are explicit so a re-run with the same spec is a no-op. */
export const MONGO_INDEXES: CollectionIndexes[] = [
  {
    collection: 'messages',
    indexes: [
      { name: 'chat_id_created_at', key: { chat_id: 1, created_at: -1 } },
      { name: 'client_msg_id_unique', key: { client_msg_id: 1 }, unique: true },
    ],
    // FerretDB v1 has no text indexes; MongoDB 7 builds this one.
    optional: [{ name: 'chat_id_body_text', key: { chat_id: 1, 'payload.body': 'text' } }],
  },
  {
    collection: 'media',
    indexes: [
      { name: 'media_id_unique', key: { media_id: 1 }, unique: true },
      { name: 'uploader_id', key: { uploader_id: 1 } },
    ],
  },
];

/**
 * Creates every index that is missing; re-creating an identical spec is a no-op.
 * One index per command: FerretDB v1.24 panics when one createIndexes call
 * names two indexes that both already exist.
 */
export async function applyMongoIndexes(db: Db, log: IndexLog): Promise<void> {
  for (const { collection, indexes, optional = [] } of MONGO_INDEXES) {
    const coll = db.collection(collection);
    for (const index of indexes) await coll.createIndexes([index]);
    const applied = indexes.map((index) => index.name);
    for (const index of optional) {
      try {
        await coll.createIndexes([index]);
        applied.push(index.name);
      } catch (err) {
        // Only a server's refusal is tolerated; a lost connection still fails the run.
        if (!(err instanceof MongoServerError)) throw err;
        log.warn(
          { collection, index: index.name, reason: err.message },
          'optional index not supported, skipped',
        );
      }
    }
    log.info({ collection, indexes: applied }, 'mongo indexes applied');
  }
}
