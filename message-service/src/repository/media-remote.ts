import { isAppError } from '@wa/pkg/errors';
import { createRemote, type Client, type MediaService } from '@wa/pkg/grpc';

/**
 * An upload as the media-service describes it (addenda I). `width`, `height` and `durationMs`
 * are absent when the file has none (a document has no dimensions, an image no duration).
 */
export interface MediaUpload {
  mediaId: string;
  uploaderId: string;
  /** image, video, audio or document: what the bytes were found to be, not what a client said. */
  fileType: string;
  /** Absent when the media-service names none. */
  mimeType?: string;
  sizeBytes?: number;
  width?: number;
  height?: number;
  durationMs?: number;
  /** Absent when the upload had no file name. */
  originalFilename?: string;
}

// A value the message payload's schema would refuse is left out rather than stored and published.
const atLeast = (min: number, value: number | bigint | undefined): number | undefined => {
  const number = value === undefined ? undefined : Number(value);
  return number !== undefined && Number.isSafeInteger(number) && number >= min ? number : undefined;
};

/** The media-service, spoken in domain types: no protobuf messages leave this file. */
export function createMediaRemote(client: Client<typeof MediaService>) {
  const remote = createRemote('media-service', client);
  return {
    /** The upload's metadata, or null when the media-service has no such upload. */
    async upload(mediaId: string): Promise<MediaUpload | null> {
      try {
        const answer = await remote.call((media) => media.getMediaMetadata({ mediaId }));
        return {
          mediaId: answer.mediaId.toLowerCase(),
          uploaderId: answer.uploaderId.toLowerCase(),
          fileType: answer.fileType,
          mimeType: answer.mimeType || undefined,
          sizeBytes: atLeast(0, answer.sizeBytes),
          width: atLeast(1, answer.width),
          height: atLeast(1, answer.height),
          durationMs: atLeast(0, answer.durationMs),
          originalFilename: answer.originalFilename || undefined,
        };
      } catch (error) {
        if (isAppError(error) && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    },
  };
}

export type MediaRemote = ReturnType<typeof createMediaRemote>;
