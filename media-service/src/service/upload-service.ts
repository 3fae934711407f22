import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { isAppError, validationError } from '@wa/pkg/errors';
import type { Logger } from '@wa/pkg/log';
import { FORMATS, SIZE_LIMITS, type FormatName, type MediaType } from '../model/media-formats.ts';
import type { MediaDoc } from '../model/media.ts';
import type { ImageDecoder } from '../repository/image-decoder.ts';
import type { MediaProbe } from '../repository/media-probe.ts';
import type { MediaStore } from '../repository/media-store.ts';
import type { ObjectStorage } from '../repository/object-storage.ts';
import { fileTypeOf, unsupportedMediaType } from './file-type.ts';
import { createUploadIntake, uploadTooLarge, type IntakeSummary } from './upload-intake.ts';

export interface UploadServiceDeps {
  store: Pick<MediaStore, 'insert'>;
  storage: Pick<ObjectStorage, 'put' | 'putBytes' | 'reader' | 'internalUrl' | 'bytes' | 'remove'>;
  probe: MediaProbe;
  decodeImage: ImageDecoder;
  /** Decoding runs at most this many at once (FFmpeg and libvips each take a core). */
  decodeConcurrency: number;
  log: Logger;
  now?: () => Date;
}

/** The bytes of an upload, stored in S3 but not yet checked nor recorded. */
export interface ReceivedUpload {
  mediaId: string;
  storageKey: string;
  summary: IntakeSummary;
}

export interface UploadClaims {
  uploaderId: string;
  declared: MediaType;
  originalFilename: string;
}

/** The largest upload of any declared type: the limit while the type is not yet known. */
export const MAX_UPLOAD_BYTES = Math.max(...Object.values(SIZE_LIMITS));

const IMAGE_FORMATS: ReadonlySet<FormatName> = new Set(['jpeg', 'png', 'webp', 'gif']);

/** At most `limit` tasks at once; the others wait in arrival order. */
function createGate(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async function gated<T>(task: () => Promise<T>): Promise<T> {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

/**
 * Issue 13's upload: the bytes stream to S3 through the intake (size, SHA-256, head, text check;
 * 413 as soon as the limit is passed), then the type comes from those bytes, the file is decoded
 * (dimensions, duration, thumbnail), and only then is the record written. Whatever fails on the
 * way, the objects already stored are removed: nothing is left half-stored.
 */
export function createUploadService(deps: UploadServiceDeps) {
  const { store, storage, probe, decodeImage, log } = deps;
  const now = deps.now ?? (() => new Date());
  const gated = createGate(deps.decodeConcurrency);

  async function removeQuietly(keys: string[]): Promise<void> {
    try {
      await storage.remove(keys);
    } catch (error) {
      log.error({ err: error, keys }, 'objects of a refused upload not removed');
    }
  }

  /** What decoding adds to the record: dimensions, duration and the thumbnail's bytes. */
  async function decode(format: FormatName, declared: MediaType, key: string) {
    if (IMAGE_FORMATS.has(format)) {
      const image = await decodeImage(await storage.bytes(key));
      return {
        width: image.width,
        height: image.height,
        durationMs: null,
        thumbnail: image.thumbnail,
      };
    }
    if (declared !== 'video' && declared !== 'audio') return undefined;
    const source = await storage.internalUrl(key);
    const probed = await probe.probe(source, declared);
    if (declared === 'audio') {
      if (!probed.hasAudio || probed.hasVideo)
        throw unsupportedMediaType('The file holds no audio alone');
      return { width: null, height: null, durationMs: probed.durationMs, thumbnail: undefined };
    }
    if (!probed.hasVideo) throw unsupportedMediaType('The file holds no video');
    return {
      width: probed.width,
      height: probed.height,
      durationMs: probed.durationMs,
      thumbnail: await probe.thumbnail(source, declared),
    };
  }

  return {
    /**
     * Streams `file` to S3 under a new id. Past `limitBytes` it stops reading at once and fails
     * with 413, leaving no object; an S3 failure is 503, likewise leaving none.
     */
    async receive(file: Readable, limitBytes: number = MAX_UPLOAD_BYTES): Promise<ReceivedUpload> {
      const mediaId = randomUUID();
      const storageKey = `media/${mediaId}`;
      const intake = createUploadIntake(limitBytes);
      const stored = storage.put(storageKey, intake.stream, 'application/octet-stream');
      const reading = pipeline(file, intake.stream);
      try {
        await Promise.all([reading, stored]);
      } catch (error) {
        // Stop reading the client too; put has already aborted the multipart upload.
        file.destroy();
        intake.stream.destroy();
        // The meaningful failure (the intake's 413, S3's 503) wins over the broken pipe it caused.
        const outcomes = await Promise.allSettled([reading, stored]);
        for (const outcome of outcomes)
          if (outcome.status === 'rejected' && isAppError(outcome.reason)) throw outcome.reason;
        throw error;
      }
      return { mediaId, storageKey, summary: intake.summary() };
    },

    /** Checks, decodes and records a received upload; on any failure its objects are removed. */
    async complete(received: ReceivedUpload, claims: UploadClaims): Promise<MediaDoc> {
      const { mediaId, storageKey, summary } = received;
      const keys = [storageKey];
      try {
        const limit = SIZE_LIMITS[claims.declared];
        if (summary.sizeBytes > limit) throw uploadTooLarge(limit);
        // Addenda I: no file is 400, and an empty one is no file.
        if (summary.sizeBytes === 0)
          throw validationError('Invalid upload form', [
            { field: 'body.file', message: 'is empty' },
          ]);
        const type = await fileTypeOf(claims.declared, {
          head: summary.head,
          plainText: summary.plainText,
          file: storage.reader(storageKey, summary.sizeBytes),
        });
        const decoded = await gated(() => decode(type.format, claims.declared, storageKey));
        let thumbnailKey: string | null = null;
        if (decoded?.thumbnail) {
          thumbnailKey = `thumbnails/${mediaId}.jpg`;
          keys.push(thumbnailKey);
          await storage.putBytes(thumbnailKey, decoded.thumbnail, 'image/jpeg');
        }
        const doc: MediaDoc = {
          media_id: mediaId,
          uploader_id: claims.uploaderId,
          file_type: claims.declared,
          // An MP4 of audio alone is served as audio (a voice note recorded as `.mp4`).
          mime_type:
            claims.declared === 'audio' && type.format === 'mp4' ? FORMATS.m4a.mime : type.mime,
          original_filename: claims.originalFilename,
          size_bytes: summary.sizeBytes,
          width: decoded?.width ?? null,
          height: decoded?.height ?? null,
          duration_ms: decoded?.durationMs ?? null,
          checksum_sha256: summary.checksumSha256,
          storage_key: storageKey,
          thumbnail_key: thumbnailKey,
          created_at: now(),
        };
        await store.insert(doc);
        return doc;
      } catch (error) {
        await removeQuietly(keys);
        throw error;
      }
    },

    /** A received upload the request failed after (a bad field behind the file). */
    discard: (received: ReceivedUpload) => removeQuietly([received.storageKey]),
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
