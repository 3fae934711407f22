import type { MediaType } from './media-formats.ts';

/** A stored upload (PRD §5.2 `media`, addenda I). Sizes and dimensions as the bytes gave them. */
export interface MediaDoc {
  media_id: string;
  uploader_id: string;
  file_type: MediaType;
  mime_type: string;
  original_filename: string;
  size_bytes: number;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  checksum_sha256: string;
  storage_key: string;
  thumbnail_key: string | null;
  created_at: Date;
}
