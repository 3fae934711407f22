import { connectPostgres, pingPostgres, type PgPool } from '@wa/pkg/db';
import type { MediaDoc } from '../../model/media.ts';
import type { MediaStore, OpenMediaStore } from '../media-store.ts';

/* Addenda K: the media store on native PostgreSQL tables (migrations/postgres/0006). */

const COLUMNS = `media_id, uploader_id, file_type, mime_type, original_filename, size_bytes, width,
  height, duration_ms, checksum_sha256, storage_key, thumbnail_key, created_at`;

interface MediaRow extends Omit<MediaDoc, 'size_bytes'> {
  size_bytes: string; // BIGINT
}

const toDoc = (row: MediaRow): MediaDoc => ({ ...row, size_bytes: Number(row.size_bytes) });

/**
 * The reference and the flag in one statement, so a sweep's delete (which requires the flag
 * unset) and a new reference cannot both succeed.
 */
const ADD_REFERENCE = `
  WITH added AS (
    INSERT INTO media_references (media_id, chat_id, referenced_at) VALUES ($1, $2, $3)
    ON CONFLICT (media_id, chat_id) DO NOTHING)
  UPDATE media SET referenced = TRUE WHERE media_id = $1 AND NOT referenced`;

export function createPostgresMediaStore(pool: PgPool): MediaStore {
  return {
    kind: 'postgres',

    async insert(doc) {
      await pool.query({
        name: 'mediastore_insert',
        text: `INSERT INTO media (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
        values: [
          doc.media_id,
          doc.uploader_id,
          doc.file_type,
          doc.mime_type,
          doc.original_filename,
          doc.size_bytes,
          doc.width,
          doc.height,
          doc.duration_ms,
          doc.checksum_sha256,
          doc.storage_key,
          doc.thumbnail_key,
          doc.created_at.toISOString(),
        ],
      });
    },

    async findById(mediaId) {
      const { rows } = await pool.query<MediaRow>({
        name: 'mediastore_find',
        text: `SELECT ${COLUMNS} FROM media WHERE media_id = $1`,
        values: [mediaId],
      });
      return rows[0] ? toDoc(rows[0]) : null;
    },

    async addReference(mediaId, chatId, at) {
      await pool.query({
        name: 'mediastore_add_reference',
        text: ADD_REFERENCE,
        values: [mediaId, chatId, at.toISOString()],
      });
    },

    async referencingChats(mediaId) {
      const { rows } = await pool.query<{ chat_id: string }>({
        name: 'mediastore_referencing_chats',
        text: 'SELECT chat_id FROM media_references WHERE media_id = $1 ORDER BY referenced_at',
        values: [mediaId],
      });
      return rows.map((row) => row.chat_id);
    },

    async orphans(before, limit) {
      const { rows } = await pool.query<MediaRow>({
        name: 'mediastore_orphans',
        text: `SELECT ${COLUMNS} FROM media WHERE NOT referenced AND created_at < $1
               ORDER BY created_at LIMIT $2`,
        values: [before.toISOString(), limit],
      });
      return rows.map(toDoc);
    },

    async deleteOrphan(mediaId) {
      const { rowCount } = await pool.query({
        name: 'mediastore_delete_orphan',
        text: 'DELETE FROM media WHERE media_id = $1 AND NOT referenced',
        values: [mediaId],
      });
      return rowCount === 1;
    },

    ping: () => pingPostgres(pool),
    close: () => pool.end(),
  };
}

/** Opens the store at `url` (`postgres://` or `postgresql://`) once PostgreSQL has answered. */
export const openPostgresMediaStore: OpenMediaStore = async (url, context) =>
  createPostgresMediaStore(
    await connectPostgres({ url, poolMax: context.poolMax ?? 10 }, context.log),
  );
