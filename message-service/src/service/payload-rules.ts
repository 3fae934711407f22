import { normaliseUuid } from '@wa/pkg/uuid';
import { validationError } from '@wa/pkg/errors';
import { LIMITS, type MessagePayload, type MessageType } from '../model/message.ts';
import type { MediaUpload } from '../repository/media-remote.ts';

const TYPES: readonly MessageType[] = ['text', 'image', 'video', 'audio', 'document', 'system'];

export const isMessageType = (value: string): value is MessageType =>
  (TYPES as readonly string[]).includes(value);

/** The types whose payload names an upload (`media_id`), checked with the media-service. */
export const isMediaType = (type: MessageType): boolean => type !== 'text' && type !== 'system';

/** The payload fields each type accepts (PRD §3.5); anything else is refused. */
const FIELDS: Record<MessageType, readonly (keyof MessagePayload)[]> = {
  text: ['body'],
  system: ['body'],
  image: ['media_id', 'caption'],
  video: ['media_id', 'caption'],
  audio: ['media_id', 'duration_ms'],
  document: ['media_id', 'filename'],
};

const fail = (field: string, message: string) =>
  validationError(`payload.${field} ${message}`, [{ field: `payload.${field}`, message }]);

function text(value: unknown, field: string, max: number, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw fail(field, 'must be a string');
  if (required && value.trim() === '') throw fail(field, 'must not be empty');
  if (value.length > max) throw fail(field, `must be at most ${max} characters`);
  return value;
}

/**
 * Checks a payload against its type and returns a clean copy: a text or system body is
 * non-empty and at most 4,096 characters; a media type needs a UUID `media_id`.
 */
export function validatePayload(type: MessageType, raw: unknown): MessagePayload {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw validationError('payload must be an object', [
      { field: 'payload', message: 'must be an object' },
    ]);
  const input = raw as Record<string, unknown>;
  const allowed = FIELDS[type];
  const extra = Object.keys(input).find((key) => !(allowed as readonly string[]).includes(key));
  if (extra) throw fail(extra, `is not allowed for a ${type} message`);

  if (type === 'text' || type === 'system')
    return { body: text(input.body, 'body', LIMITS.bodyMax, true) };

  // The payload is free-form JSON until here, so this is the edge where its id is normalised.
  const mediaId = normaliseUuid(input.media_id);
  if (mediaId === undefined) throw fail('media_id', 'must be a UUID');
  const payload: MessagePayload = { media_id: mediaId };
  const caption = text(input.caption, 'caption', LIMITS.captionMax, false);
  if (caption !== undefined) payload.caption = caption;
  const filename = text(input.filename, 'filename', LIMITS.filenameMax, false);
  if (filename !== undefined) payload.filename = filename;
  if (input.duration_ms !== undefined) {
    if (!Number.isSafeInteger(input.duration_ms) || (input.duration_ms as number) < 0)
      throw fail('duration_ms', 'must be a non-negative integer');
    payload.duration_ms = input.duration_ms as number;
  }
  return payload;
}

/**
 * A media payload with its upload's metadata (addenda I), flat: `mime_type`, `size_bytes` and the
 * `width`/`height`/`duration_ms` the file has (the probed duration wins over the client's); a
 * document without `filename` takes the upload's. The upload must be the sender's and of the
 * message's type; an unknown id and another user's upload get the same answer, so no id is
 * confirmed.
 */
export function withUpload(
  type: MessageType,
  payload: MessagePayload,
  senderId: string,
  upload: MediaUpload | null,
): MessagePayload {
  if (!upload || upload.uploaderId !== senderId.toLowerCase())
    throw fail('media_id', 'does not name an upload of yours');
  if (upload.fileType !== type)
    throw fail('media_id', `must name an upload of type ${type}, not ${upload.fileType}`);
  const stored: MessagePayload = { ...payload };
  if (upload.mimeType !== undefined) stored.mime_type = upload.mimeType;
  if (upload.sizeBytes !== undefined) stored.size_bytes = upload.sizeBytes;
  if (upload.width !== undefined) stored.width = upload.width;
  if (upload.height !== undefined) stored.height = upload.height;
  if (upload.durationMs !== undefined) stored.duration_ms = upload.durationMs;
  if (type === 'document' && stored.filename === undefined && upload.originalFilename !== undefined)
    stored.filename = upload.originalFilename;
  return stored;
}

/** Parses the JSON bytes a gRPC caller sends as `payload`. */
export function parsePayloadJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw validationError('payload must be JSON', [{ field: 'payload', message: 'must be JSON' }]);
  }
}
