import { MediaService as MediaRpc, type GrpcRouter } from '@wa/pkg/grpc';
import { requireUuid } from '@wa/pkg/http';
import type { MediaReads } from '../service/media-reads.ts';

/** GetMediaMetadata: any upload by id, with fresh URLs; NOT_FOUND when there is none. */
export function mediaGrpcRoutes(reads: MediaReads) {
  return (router: GrpcRouter) =>
    router.service(MediaRpc, {
      async getMediaMetadata(request) {
        const media = await reads.metadata(requireUuid(request.mediaId, 'media_id'));
        return {
          mediaId: media.media_id,
          fileType: media.type,
          mimeType: media.mime_type,
          sizeBytes: BigInt(media.size_bytes),
          url: media.url,
          thumbnailUrl: media.thumbnail_url ?? '',
          width: media.width ?? undefined,
          height: media.height ?? undefined,
          durationMs: media.duration_ms ?? undefined,
          uploaderId: media.uploader_id,
          originalFilename: media.original_filename,
          checksumSha256: media.checksum_sha256,
        };
      },
    });
}
