import { randomUUID } from 'node:crypto';
import { AppError } from '@wa/pkg/errors';
import type { MediaService } from '@wa/pkg/grpc';
import type { FakeImpl } from '@wa/pkg/testing';

export type FakeMediaType = 'image' | 'video' | 'audio' | 'document';

/** An upload as the media-service stores it; dimensions and duration only where a file has them. */
export interface FakeUpload {
  mediaId: string;
  uploaderId: string;
  fileType: FakeMediaType;
  mimeType: string;
  sizeBytes: number;
  width?: number;
  height?: number;
  durationMs?: number;
  originalFilename: string;
}

/** What an upload of each type looks like unless the test says otherwise. */
const TYPICAL: Record<FakeMediaType, Omit<FakeUpload, 'mediaId' | 'uploaderId' | 'fileType'>> = {
  image: {
    mimeType: 'image/jpeg',
    sizeBytes: 48_213,
    width: 1280,
    height: 960,
    originalFilename: 'IMG_0001.jpg',
  },
  video: {
    mimeType: 'video/mp4',
    sizeBytes: 2_481_004,
    width: 640,
    height: 360,
    durationMs: 4_040,
    originalFilename: 'clip.mp4',
  },
  audio: {
    mimeType: 'audio/ogg',
    sizeBytes: 20_113,
    durationMs: 3_020,
    originalFilename: 'voice.ogg',
  },
  document: { mimeType: 'application/pdf', sizeBytes: 91_337, originalFilename: 'report.pdf' },
};

/**
 * An in-memory media-service GetMediaMetadata the test seeds with uploads. Unknown ids answer
 * NOT_FOUND, as the media-service does; it answers anyone, since the caller checks the uploader.
 */
export function createMediaDirectory() {
  const uploads = new Map<string, FakeUpload>();
  const implementation: FakeImpl<typeof MediaService> = {
    getMediaMetadata(request) {
      const upload = uploads.get(request.mediaId.toLowerCase());
      if (!upload) throw new AppError('NOT_FOUND', 'Media not found');
      return {
        mediaId: upload.mediaId,
        fileType: upload.fileType,
        mimeType: upload.mimeType,
        sizeBytes: BigInt(upload.sizeBytes),
        url: `http://s3.test/media/${upload.mediaId}?X-Amz-Signature=fake`,
        thumbnailUrl: '',
        width: upload.width,
        height: upload.height,
        durationMs: upload.durationMs,
        uploaderId: upload.uploaderId,
        originalFilename: upload.originalFilename,
        checksumSha256: '0'.repeat(64),
      };
    },
  };
  return {
    implementation,
    /** A fresh upload by `uploaderId`, typical for its type unless `overrides` say otherwise. */
    add: (
      uploaderId: string,
      fileType: FakeMediaType,
      overrides: Partial<FakeUpload> = {},
    ): FakeUpload => {
      const upload = {
        mediaId: randomUUID(),
        uploaderId,
        fileType,
        ...TYPICAL[fileType],
        ...overrides,
      };
      uploads.set(upload.mediaId, upload);
      return upload;
    },
  };
}

export type MediaDirectory = ReturnType<typeof createMediaDirectory>;
