import { MongoServerError, type Db, type IndexDescription } from 'mongodb';

export interface IndexLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface CollectionIndexes {
  collection: string;
  indexes: IndexDescription[];
  /** Indexes a backend may not support; failing one logs a warning instead of failing the run. */
  optional?: IndexDescription[];
  /** Names of indexes an earlier version created that are no longer wanted; dropped if present. */
  obsolete?: string[];
}

/** PRD §5.2 and the message-service's queries. Names are explicit so a re-run is a no-op. */
export const MONGO_INDEXES: CollectionIndexes[] = [
  {
    collection: 'messages',
    indexes: [
      // History pages: newest first with a (created_at, message_id) keyset cursor.
      {
        name: 'chat_history',
        key: { chat_id: 1, created_at: -1, message_id: -1 },
      },
      // Idempotency: client_msg_id is unique per sender, so one user's ids never collide with another's.
      {
        name: 'sender_client_msg_id_unique',
        key: { sender_id: 1, client_msg_id: 1 },
        unique: true,
      },
      { name: 'message_id_unique', key: { message_id: 1 }, unique: true },
    ],
    // FerretDB v1 has no text indexes; MongoDB 7 builds this one. No language: whole words, no
    // stemming nor stop words (the store still checks each term as a whole word).
    optional: [
      {
        name: 'chat_text',
        key: { chat_id: 1, 'payload.body': 'text', 'payload.caption': 'text' },
        default_language: 'none',
      },
    ],
    // The recipients, owed and starred arrays moved to their own collections (message-layout.ts):
    // FerretDB v1 indexes an array as one btree value, too large past ~200 members.
    obsolete: [
      'chat_id_created_at',
      'client_msg_id_unique',
      'unpublished',
      'undelivered_to',
      'starred_by',
      'chat_id_body_text',
    ],
  },
  {
    // One document per recipient of a message: its delivery status and whether it is still owed.
    collection: 'message_deliveries',
    indexes: [
      { name: 'delivery_unique', key: { message_id: 1, user_id: 1 }, unique: true },
      // ListUndelivered: a recipient's owed messages, oldest first with a keyset cursor.
      { name: 'delivery_backlog', key: { user_id: 1, owed: 1, created_at: 1, message_id: 1 } },
      // A read receipt: the reader's messages of one chat not read yet, up to a point.
      { name: 'delivery_unread', key: { user_id: 1, chat_id: 1, status: 1, created_at: 1 } },
      // Which statuses a batch of receipts moved (at most two markers per document).
      { name: 'delivery_moved_in', key: { moved_in: 1 }, sparse: true },
    ],
  },
  {
    collection: 'message_stars',
    indexes: [
      { name: 'star_unique', key: { message_id: 1, user_id: 1 }, unique: true },
      // A user's starred messages not deleted for them, newest first with a keyset cursor.
      { name: 'star_list', key: { user_id: 1, hidden: 1, created_at: -1, message_id: -1 } },
    ],
  },
  {
    collection: 'message_event_outbox',
    indexes: [
      { name: 'event_id_unique', key: { event_id: 1 }, unique: true },
      { name: 'created_at', key: { created_at: 1, event_id: 1 } },
    ],
  },
  {
    // PRD §5.2 `media` (the media-service's store, addenda K).
    collection: 'media',
    indexes: [
      { name: 'media_id_unique', key: { media_id: 1 }, unique: true },
      { name: 'uploader_id', key: { uploader_id: 1 } },
      // The orphan sweep: uploads no message references, oldest first.
      { name: 'orphans', key: { referenced: 1, created_at: 1 } },
    ],
  },
  {
    // Which chats hold a message referencing an upload (access to it, addenda I).
    collection: 'media_references',
    indexes: [{ name: 'reference_unique', key: { media_id: 1, chat_id: 1 }, unique: true }],
  },
];

/**
 * Creates every index that is missing; re-creating an identical spec is a no-op.
 * One index per command: FerretDB v1.24 panics when one createIndexes call
 * names two indexes that both already exist.
 */
export async function applyMongoIndexes(db: Db, log: IndexLog): Promise<void> {
  for (const { collection, indexes, optional = [], obsolete = [] } of MONGO_INDEXES) {
    const coll = db.collection(collection);
    if (obsolete.length > 0) {
      const existing = new Set(
        (
          await coll
            .listIndexes()
            .toArray()
            .catch(() => [])
        ).map((index) => String((index as { name?: unknown }).name)),
      );
      for (const name of obsolete.filter((n) => existing.has(n))) {
        await coll.dropIndex(name);
        log.info({ collection, index: name }, 'obsolete index dropped');
      }
    }
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
