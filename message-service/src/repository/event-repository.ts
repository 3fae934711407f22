import { createWriteBatch, isDuplicateKeyError, type Collection, type Db } from '@wa/pkg/db';
import type { EventPayload } from '@wa/pkg/bus';

export const EVENT_OUTBOX = 'message_event_outbox';
export const RELAY_LEASES = 'message_relay_lease';

export type OutboxSubject = 'msg.new' | 'msg.status.updated' | 'msg.deleted';

export interface OutboxEventDoc {
  event_id: string;
  subject: OutboxSubject;
  payload: EventPayload<OutboxSubject>;
  created_at: Date;
}

interface LeaseDoc {
  _id: string;
  holder: string;
  expires_at: Date;
}

/**
 * Events waiting for the relay (a `msg.new` is written with its message, see
 * MessageRepository.insert), and the lease that lets one relay sweep at a time across instances.
 * The collection holds only unpublished events, so it stays small.
 */
export function createEventRepository(db: Db) {
  const events: Collection<OutboxEventDoc> = db.collection<OutboxEventDoc>(EVENT_OUTBOX);
  const leases: Collection<LeaseDoc> = db.collection<LeaseDoc>(RELAY_LEASES);
  const enqueueBatch = createWriteBatch(async (docs: OutboxEventDoc[]) => {
    await events.insertMany(
      docs.map((doc) => ({ ...doc })),
      { ordered: false },
    );
    return docs.map(() => undefined);
  });

  return {
    /** Stores an event for the relay; batched with concurrent writers. */
    enqueue: (doc: OutboxEventDoc): Promise<void> => enqueueBatch(doc),

    /** The oldest events stored before `before`. */
    pending(before: Date, limit: number): Promise<OutboxEventDoc[]> {
      return events
        .find({ created_at: { $lt: before } }, { projection: { _id: 0 } })
        .sort({ created_at: 1, event_id: 1 })
        .limit(limit)
        .toArray();
    },

    /** `$in` is not pushed down by FerretDB, which is fine on this small collection. */
    async remove(eventIds: string[]): Promise<void> {
      await events.deleteMany({ event_id: { $in: eventIds } });
    },

    /** Takes or renews the named lease for `holder`; false while another holder's is valid. */
    async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
      try {
        await leases.updateOne(
          { _id: name, $or: [{ holder }, { expires_at: { $lt: now } }] },
          { $set: { holder, expires_at: new Date(now.getTime() + ttlMs) } },
          { upsert: true },
        );
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },

    async releaseLease(name: string, holder: string): Promise<void> {
      await leases.deleteOne({ _id: name, holder });
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
