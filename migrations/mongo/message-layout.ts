import { MongoServerError, type Db, type Document, type ObjectId } from 'mongodb';
import type { IndexLog } from './indexes.ts';

/*
 * Moves messages written in the first layout (per-recipient `status` map, `undelivered_to` and
 * `is_starred_by` arrays inside the message) to the per-recipient layout of the message store:
 * one `message_deliveries` document per recipient, one `message_stars` document per star, the
 * three fields then unset. Idempotent and safe to interrupt: the new documents are keyed by unique
 * indexes (existing ones are kept, as they may have moved on since), and a message leaves the old
 * layout only after its documents are stored. Run after applyMongoIndexes (the unique indexes).
 * The shapes are written out here, not imported: a migration stays what it was when it ran.
 */

const CHUNK = 200;

interface OldLayout {
  _id: ObjectId;
  message_id: string;
  chat_id: string;
  created_at: Date;
  status?: Record<string, { status: string; updated_at: Date; receipt_hidden?: boolean }>;
  undelivered_to?: string[];
  is_starred_by?: string[];
  deleted_for?: string[];
}

const OLD_FIELDS = { status: '', undelivered_to: '', is_starred_by: '' } as const;

function deliveries(doc: OldLayout): Document[] {
  const owed = new Set(doc.undelivered_to ?? []);
  const status = { ...doc.status };
  // Owed without a status entry (not written by any version, but cheap to keep): still `sent`.
  for (const userId of owed) status[userId] ??= { status: 'sent', updated_at: doc.created_at };
  return Object.entries(status).map(([userId, entry]) => ({
    message_id: doc.message_id,
    user_id: userId,
    chat_id: doc.chat_id,
    created_at: doc.created_at,
    status: entry.status,
    updated_at: entry.updated_at,
    ...(entry.receipt_hidden ? { receipt_hidden: true } : {}),
    owed: owed.has(userId),
  }));
}

const stars = (doc: OldLayout): Document[] =>
  (doc.is_starred_by ?? []).map((userId) => ({
    message_id: doc.message_id,
    user_id: userId,
    chat_id: doc.chat_id,
    created_at: doc.created_at,
    hidden: (doc.deleted_for ?? []).includes(userId),
  }));

/** insertMany that keeps what a unique index already holds. */
async function insertMissing(db: Db, collection: string, docs: Document[]): Promise<void> {
  if (!docs.length) return;
  try {
    await db.collection(collection).insertMany(docs, { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
    const list = (Array.isArray(writeErrors) ? writeErrors : [writeErrors]) as { code?: number }[];
    if (!(error instanceof MongoServerError) || !list.every((e) => e?.code === 11000)) throw error;
  }
}

async function moveChunk(db: Db, chunk: OldLayout[]): Promise<void> {
  await insertMissing(db, 'message_deliveries', chunk.flatMap(deliveries));
  await insertMissing(db, 'message_stars', chunk.flatMap(stars));
  await db.collection('messages').bulkWrite(
    // updateMany, each matching one: FerretDB v1 holds a PostgreSQL connection per matching
    // updateOne statement until the command ends, and a chunk would exhaust its pool.
    chunk.map((doc) => ({
      updateMany: { filter: { _id: doc._id }, update: { $unset: OLD_FIELDS } },
    })),
    { ordered: false },
  );
}

/** Moves every message still in the old layout; resolves with how many it moved. */
export async function migrateMessageLayout(db: Db, log: IndexLog): Promise<number> {
  const cursor = db.collection<OldLayout>('messages').find(
    {
      $or: [
        { status: { $exists: true } },
        { undelivered_to: { $exists: true } },
        { is_starred_by: { $exists: true } },
      ],
    },
    {
      projection: {
        _id: 1,
        message_id: 1,
        chat_id: 1,
        created_at: 1,
        deleted_for: 1,
        status: 1,
        undelivered_to: 1,
        is_starred_by: 1,
      },
      batchSize: CHUNK,
    },
  );
  let moved = 0;
  let chunk: OldLayout[] = [];
  for await (const doc of cursor) {
    chunk.push(doc);
    if (chunk.length < CHUNK) continue;
    await moveChunk(db, chunk);
    moved += chunk.length;
    chunk = [];
  }
  if (chunk.length) await moveChunk(db, chunk);
  moved += chunk.length;
  if (moved) log.info({ moved }, 'messages moved to the per-recipient layout');
  return moved;
}
