import { createWriteBatch, isDuplicateKeyError, onlyDuplicateKeys, type Db } from '../db/index.ts';
import type { OutboxEvent, OutboxStore } from './outbox-relay.ts';

/*
 * A MongoDB (FerretDB) service's outbox. Without multi-document transactions an event is stored
 * before the change it announces (outbox-first): an applied change always has its event, and the
 * relay's `confirm` drops an event a crash left without its change. The collection holds only
 * unpublished events, so it stays small; one lease document lets one instance sweep at a time.
 */

export interface MongoOutboxSettings {
  db: Db;
  /** The service's outbox collection (indexes: unique `event_id`, `created_at` + `event_id`). */
  collection: string;
  leaseCollection: string;
  /** The lease every instance of the service competes for. */
  leaseName: string;
}

export interface MongoOutboxStore extends OutboxStore {
  /** Stores one event before its change is applied; batched with concurrent writers. */
  enqueue(event: OutboxEvent): Promise<void>;
  /**
   * Stores several events in one command (a batch of writes that goes on to apply them). An
   * event already stored (the same `event_id`: a batch written again item by item) is no error.
   */
  insertMany(events: OutboxEvent[]): Promise<void>;
}

interface LeaseDoc {
  _id: string;
  holder: string;
  expires_at: Date;
}

export function createMongoOutboxStore(settings: MongoOutboxSettings): MongoOutboxStore {
  const events = settings.db.collection<OutboxEvent>(settings.collection);
  const leases = settings.db.collection<LeaseDoc>(settings.leaseCollection);
  const { leaseName } = settings;

  async function insertMany(docs: OutboxEvent[]): Promise<void> {
    if (!docs.length) return;
    try {
      // Copies: the driver adds `_id` to what it inserts, and these objects are also published.
      await events.insertMany(
        docs.map((doc) => ({ ...doc })),
        { ordered: false },
      );
    } catch (error) {
      if (!onlyDuplicateKeys(error)) throw error;
    }
  }
  const enqueueBatch = createWriteBatch(async (docs: OutboxEvent[]) => {
    await insertMany(docs);
    return docs.map(() => undefined);
  });

  async function acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    const now = new Date();
    try {
      // updateMany, though one document matches: FerretDB v1 holds a PostgreSQL connection through
      // an updateOne while it waits for a second one, which deadlocks its pool under load.
      await leases.updateMany(
        { _id: leaseName, $or: [{ holder }, { expires_at: { $lt: now } }] },
        { $set: { holder, expires_at: new Date(now.getTime() + ttlMs) } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      // Another holder's valid lease: the upsert collides with its document.
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  return {
    enqueue: (event) => enqueueBatch(event),
    insertMany,

    pending(minAgeMs, limit) {
      return events
        .find({ created_at: { $lte: new Date(Date.now() - minAgeMs) } }, { projection: { _id: 0 } })
        .sort({ created_at: 1, event_id: 1 })
        .limit(limit)
        .toArray();
    },

    depth() {
      return events.countDocuments({});
    },

    /** `$in` is not pushed down by FerretDB, which is fine on this small collection. */
    async remove(eventIds) {
      if (!eventIds.length) return;
      await events.deleteMany({ event_id: { $in: eventIds } });
    },

    async recordFailure(eventId, error) {
      await events.updateMany(
        { event_id: eventId }, // unique: updateMany only for FerretDB's pool (see acquireLease)
        { $inc: { attempts: 1 }, $set: { last_error: error } },
      );
    },

    // Renewed at every sweep and kept between sweeps, so a lease only changes hands on expiry.
    async withLease(holder, ttlMs, sweep) {
      return (await acquireLease(holder, ttlMs)) ? sweep() : undefined;
    },

    async releaseLease(holder) {
      await leases.deleteOne({ _id: leaseName, holder });
    },
  };
}
