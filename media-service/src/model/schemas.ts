import { Type } from 'typebox';

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
