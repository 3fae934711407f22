import type { Logger } from '@wa/pkg/log';
import type { MediaStore } from '../repository/media-store.ts';
import type { ObjectStorage } from '../repository/object-storage.ts';

export interface OrphanSweepDeps {
  store: Pick<MediaStore, 'orphans' | 'deleteOrphan'>;
  storage: Pick<ObjectStorage, 'remove' | 'abortStaleUploads'>;
  /** `MEDIA_ORPHAN_TTL_HOURS`: how long an upload may wait for a message referencing it. */
  ttlMs: number;
  /** Uploads looked at per round. */
  batchSize: number;
  log: Logger;
  now?: () => number;
}

/**
 * Addenda I: uploads no message referenced within the TTL are deleted with their S3 objects. The
 * record goes first, and only while still unreferenced (a message may reference it meanwhile);
 * then its objects. Objects that could not be removed are logged with their keys: their record is
 * gone, so nothing would serve them again. Multipart uploads left unfinished as long (their abort
 * failed while S3 was down) are aborted too.
 */
export function createOrphanSweep({
  store,
  storage,
  ttlMs,
  batchSize,
  log,
  now = Date.now,
}: OrphanSweepDeps) {
  /** One round; resolves with how many uploads it deleted. */
  return async function sweepOrphans(): Promise<number> {
    const abandoned = await storage.abortStaleUploads(new Date(now() - ttlMs));
    if (abandoned > 0) log.info({ aborted: abandoned }, 'unfinished multipart uploads aborted');
    const orphans = await store.orphans(new Date(now() - ttlMs), batchSize);
    let deleted = 0;
    for (const media of orphans) {
      if (!(await store.deleteOrphan(media.media_id))) continue;
      deleted += 1;
      const keys = [media.storage_key, ...(media.thumbnail_key ? [media.thumbnail_key] : [])];
      try {
        await storage.remove(keys);
      } catch (error) {
        log.error({ err: error, media_id: media.media_id, keys }, 'orphan objects not removed');
      }
    }
    if (deleted > 0) log.info({ deleted }, 'orphaned uploads deleted');
    return deleted;
  };
}
