import { connectMongo, isDuplicateKeyError, pingMongo, type MongoClient } from '@wa/pkg/db';
import type { MediaDoc } from '../../model/media.ts';
import type { MediaStore, OpenMediaStore } from '../media-store.ts';

/*
 * Addenda K: the media store on MongoDB 7, or FerretDB v1 here: PRD §5.2's `media` collection
 * (plus a `referenced` flag for the orphan sweep) and one document per referencing chat in
 * `media_references`. Indexes: migrations/mongo/indexes.ts. Updates are `updateMany`, as FerretDB
 * v1 can deadlock its pool on `updateOne` (message-service/src/repository/mongo/write-order.ts).
 */

export const MEDIA = 'media';
export const MEDIA_REFERENCES = 'media_references';

interface MediaDocument extends MediaDoc {
  referenced: boolean;
}

interface ReferenceDocument {
  media_id: string;
  chat_id: string;
  referenced_at: Date;
}

const WITHOUT_INTERNALS = { _id: 0, referenced: 0 } as const;

/** The store over a connected client, which it then owns (`close` closes it). */
export function createMongoMediaStore(client: MongoClient): MediaStore {
  const media = client.db().collection<MediaDocument>(MEDIA);
  const references = client.db().collection<ReferenceDocument>(MEDIA_REFERENCES);
  return {
    kind: 'mongodb',

    async insert(doc) {
      await media.insertOne({ ...doc, referenced: false });
    },

    async findById(mediaId) {
      return media.findOne({ media_id: mediaId }, { projection: WITHOUT_INTERNALS });
    },

    async addReference(mediaId, chatId, at) {
      // The flag first: once set, a sweep's delete (which requires it unset) cannot take the
      // upload; if the reference's insert then fails, the event is retried and the upload is kept.
      await media.updateMany(
        { media_id: mediaId, referenced: false },
        { $set: { referenced: true } },
      );
      try {
        await references.insertOne({ media_id: mediaId, chat_id: chatId, referenced_at: at });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    },

    async referencingChats(mediaId) {
      const found = await references
        .find({ media_id: mediaId }, { projection: { _id: 0, chat_id: 1, referenced_at: 1 } })
        .toArray();
      return found
        .sort((a, b) => a.referenced_at.getTime() - b.referenced_at.getTime())
        .map((doc) => doc.chat_id);
    },

    async orphans(before, limit) {
      return media
        .find(
          { referenced: false, created_at: { $lt: before } },
          { projection: WITHOUT_INTERNALS, sort: { created_at: 1 }, limit },
        )
        .toArray();
    },

    async deleteOrphan(mediaId) {
      const { deletedCount } = await media.deleteMany({ media_id: mediaId, referenced: false });
      return deletedCount === 1;
    },

    ping: () => pingMongo(client),
    close: () => client.close(),
  };
}

export const openMongoMediaStore: OpenMediaStore = async (url) =>
  createMongoMediaStore(await connectMongo(url));
