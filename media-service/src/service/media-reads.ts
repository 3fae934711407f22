import { notFound } from '@wa/pkg/errors';
import type { MediaDoc } from '../model/media.ts';
import type { ChatRemote } from '../repository/chat-remote.ts';
import type { MediaStore } from '../repository/media-store.ts';
import type { ObjectStorage } from '../repository/object-storage.ts';

/** An upload as clients see it (PRD §6.5 plus addenda I), with URLs valid until `urls_expire_at`. */
export interface MediaView {
  media_id: string;
  type: MediaDoc['file_type'];
  mime_type: string;
  size_bytes: number;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  checksum_sha256: string;
  original_filename: string;
  url: string;
  thumbnail_url: string | null;
  urls_expire_at: string;
  created_at: string;
}

export interface MediaReadsDeps {
  store: Pick<MediaStore, 'findById' | 'referencingChats'>;
  storage: Pick<ObjectStorage, 'presignedGet'>;
  chats: ChatRemote;
  /** `MEDIA_URL_TTL_SECONDS`. */
  urlTtlSeconds: number;
  now?: () => number;
}

/** Anyone who may not read an upload learns nothing of it, not even that it exists (addenda I). */
const NO_SUCH_MEDIA = 'Media not found';

export function createMediaReads({
  store,
  storage,
  chats,
  urlTtlSeconds,
  now = Date.now,
}: MediaReadsDeps) {
  /** The stored file's URL: documents download as attachments, never rendered inline. */
  const fileUrl = (doc: MediaDoc) =>
    storage.presignedGet(doc.storage_key, {
      ttlSeconds: urlTtlSeconds,
      contentType: doc.mime_type,
      attachmentName: doc.file_type === 'document' ? doc.original_filename || 'file' : undefined,
    });

  async function view(doc: MediaDoc): Promise<MediaView> {
    const expiresAt = new Date(now() + urlTtlSeconds * 1000);
    const [url, thumbnailUrl] = await Promise.all([
      fileUrl(doc),
      doc.thumbnail_key
        ? storage.presignedGet(doc.thumbnail_key, {
            ttlSeconds: urlTtlSeconds,
            contentType: 'image/jpeg',
          })
        : null,
    ]);
    return {
      media_id: doc.media_id,
      type: doc.file_type,
      mime_type: doc.mime_type,
      size_bytes: doc.size_bytes,
      width: doc.width,
      height: doc.height,
      duration_ms: doc.duration_ms,
      checksum_sha256: doc.checksum_sha256,
      original_filename: doc.original_filename,
      url,
      thumbnail_url: thumbnailUrl,
      urls_expire_at: expiresAt.toISOString(),
      created_at: doc.created_at.toISOString(),
    };
  }

  /** The upload when `userId` uploaded it or is in a chat holding a message referencing it. */
  async function readable(mediaId: string, userId: string): Promise<MediaDoc> {
    const doc = await store.findById(mediaId);
    if (!doc) throw notFound(NO_SUCH_MEDIA);
    if (doc.uploader_id === userId) return doc;
    for (const chatId of await store.referencingChats(mediaId)) {
      if (await chats.isMember(chatId, userId)) return doc;
    }
    throw notFound(NO_SUCH_MEDIA);
  }

  return {
    view,
    viewFor: async (mediaId: string, userId: string) => view(await readable(mediaId, userId)),
    downloadUrl: async (mediaId: string, userId: string) =>
      fileUrl(await readable(mediaId, userId)),
    /** For other services (gRPC): any upload, whoever asks; they apply their own rules. */
    async metadata(mediaId: string): Promise<MediaView & { uploader_id: string }> {
      const doc = await store.findById(mediaId);
      if (!doc) throw notFound(NO_SUCH_MEDIA);
      return { ...(await view(doc)), uploader_id: doc.uploader_id };
    },
  };
}

export type MediaReads = ReturnType<typeof createMediaReads>;
