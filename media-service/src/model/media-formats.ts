/** The `type` a client declares for an upload (PRD §3.7). */
export type MediaType = 'image' | 'video' | 'audio' | 'document';

export const MEDIA_TYPES: readonly MediaType[] = ['image', 'video', 'audio', 'document'];

/** Upload limit of each declared type (PRD §3.7, addenda I). */
export const SIZE_LIMITS: Record<MediaType, number> = {
  image: 16 * 1024 * 1024,
  video: 64 * 1024 * 1024,
  audio: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
};

/** A format the bytes can be recognised as, whether or not the PRD accepts it. */
export interface MediaFormat {
  mime: string;
  /** The declared types it may be stored as (PRD §3.7's format table). */
  types: readonly MediaType[];
}

/**
 * PRD §3.7's supported formats by what their bytes are. An MP4 file may hold AAC audio alone (an
 * Android voice note, `.m4a` under an `isom`/`mp42` brand), so it is accepted as audio as well;
 * probing the streams decides what it really holds.
 */
export const FORMATS = {
  jpeg: { mime: 'image/jpeg', types: ['image'] },
  png: { mime: 'image/png', types: ['image'] },
  webp: { mime: 'image/webp', types: ['image'] },
  gif: { mime: 'image/gif', types: ['image'] },
  mp4: { mime: 'video/mp4', types: ['video', 'audio'] },
  '3gp': { mime: 'video/3gpp', types: ['video'] },
  mkv: { mime: 'video/x-matroska', types: ['video'] },
  aac: { mime: 'audio/aac', types: ['audio'] },
  m4a: { mime: 'audio/mp4', types: ['audio'] },
  ogg: { mime: 'audio/ogg', types: ['audio'] },
  opus: { mime: 'audio/opus', types: ['audio'] },
  mp3: { mime: 'audio/mpeg', types: ['audio'] },
  pdf: { mime: 'application/pdf', types: ['document'] },
  doc: { mime: 'application/msword', types: ['document'] },
  xls: { mime: 'application/vnd.ms-excel', types: ['document'] },
  ppt: { mime: 'application/vnd.ms-powerpoint', types: ['document'] },
  docx: {
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    types: ['document'],
  },
  xlsx: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    types: ['document'],
  },
  pptx: {
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    types: ['document'],
  },
  zip: { mime: 'application/zip', types: ['document'] },
  txt: { mime: 'text/plain', types: ['document'] },
} as const satisfies Record<string, MediaFormat>;

export type FormatName = keyof typeof FORMATS;

/** Whether bytes recognised as `format` may be stored under the declared `type`. */
export const acceptedAs = (format: FormatName, type: MediaType): boolean =>
  (FORMATS[format].types as readonly MediaType[]).includes(type);
