import { Type } from 'typebox';
import { MEDIA_TYPES, SIZE_LIMITS } from './media-formats.ts';

const Nullable = <T extends ReturnType<typeof Type.Integer>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** PRD §6.5's upload answer with addenda I's additions; also `GET /media/:id`. */
export const MediaView = Type.Object({
  media_id: Type.String(),
  type: Type.Union([
    Type.Literal('image'),
    Type.Literal('video'),
    Type.Literal('audio'),
    Type.Literal('document'),
  ]),
  mime_type: Type.String(),
  size_bytes: Type.Integer(),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  duration_ms: Nullable(Type.Integer()),
  checksum_sha256: Type.String(),
  original_filename: Type.String(),
  url: Type.String(),
  thumbnail_url: Type.Union([Type.String(), Type.Null()]),
  urls_expire_at: Type.String(),
  created_at: Type.String(),
});

const megabytes = (bytes: number) => `${bytes / (1024 * 1024)} MB`;

/**
 * The upload form (PRD §6.5), for the API reference only: the handler reads the parts as they
 * stream (handler/upload-form.ts), so Fastify never validates a multipart body against it.
 */
export const UploadForm = Type.Object(
  {
    type: Type.Union(
      MEDIA_TYPES.map((type) => Type.Literal(type)),
      {
        description: `The declared type; best sent before \`file\`. Limits: ${MEDIA_TYPES.map(
          (type) => `${type} ${megabytes(SIZE_LIMITS[type])}`,
        ).join(', ')}.`,
      },
    ),
    file: Type.String({
      contentMediaType: 'application/octet-stream',
      description:
        'The file. Its stored type comes from its bytes, never from the part’s Content-Type or name.',
    }),
  },
  { additionalProperties: false },
);

/** `GET /media/:id/download` answers with a redirect and no body. */
export const DownloadRedirect = Type.Null({
  description: 'Redirects (302) to a fresh presigned URL of the file in `Location`.',
});
