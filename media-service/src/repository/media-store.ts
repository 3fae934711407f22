import type { Logger } from '@wa/pkg/log';
import type { StoreKind } from '@wa/pkg/db';
import type { MediaDoc } from '../model/media.ts';

/**
 * Addenda K: the media-service's metadata behind one interface, on PostgreSQL tables or MongoDB
 * collections (`MEDIA_STORE_URL`'s scheme picks). Besides each upload it keeps which chats hold a
 * message referencing it (access, addenda I) and whether any does (orphan cleanup).
 */
export interface MediaStore {
  readonly kind: StoreKind;
  /** Records an upload once its bytes are stored; not yet referenced by any message. */
  insert(doc: MediaDoc): Promise<void>;
  findById(mediaId: string): Promise<MediaDoc | null>;
  /** `chatId` holds a message referencing `mediaId` (from `msg.new`); idempotent. */
  addReference(mediaId: string, chatId: string, at: Date): Promise<void>;
  /** The chats holding a message that references the upload. */
  referencingChats(mediaId: string): Promise<string[]>;
  /** Uploads no message references, created before `before`, oldest first. */
  orphans(before: Date, limit: number): Promise<MediaDoc[]>;
  /**
   * Deletes an upload's record if no message references it by now; false when one does (a
   * reference that arrived since `orphans` listed it) or the record is gone.
   */
  deleteOrphan(mediaId: string): Promise<boolean>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface MediaStoreContext {
  log: Logger;
  poolMax?: number;
}

export type OpenMediaStore = (url: string, context: MediaStoreContext) => Promise<MediaStore>;
