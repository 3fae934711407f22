import type { Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import { AppError, validationError } from '@wa/pkg/errors';
import { MEDIA_TYPES, SIZE_LIMITS, type MediaType } from '../model/media-formats.ts';
import { MAX_UPLOAD_BYTES, type ReceivedUpload } from '../service/upload-service.ts';

/** What a client may send besides the file: small, named fields only. */
export const UPLOAD_FORM_LIMITS = {
  fieldNameSize: 64,
  fieldSize: 1_024,
  fields: 4,
  files: 1,
  parts: 6,
  headerPairs: 32,
  // The declared type's limit is the intake's (413 at once); this is only a backstop.
  fileSize: MAX_UPLOAD_BYTES + 1,
};

const MAX_FILENAME_LENGTH = 255;

export interface UploadForm {
  received: ReceivedUpload;
  declared: MediaType;
  filename: string;
}

export interface UploadFormDeps {
  receive(file: Readable, limitBytes: number): Promise<ReceivedUpload>;
  discard(received: ReceivedUpload): Promise<void>;
}

const fieldError = (field: string, message: string) =>
  validationError('Invalid upload form', [{ field: `body.${field}`, message }]);

function declaredType(value: unknown): MediaType {
  if (typeof value !== 'string' || !(MEDIA_TYPES as readonly string[]).includes(value))
    throw fieldError('type', `must be one of ${MEDIA_TYPES.join(', ')}`);
  return value as MediaType;
}

/** A client's file name, as a display name only: no path, no control characters, bounded. */
function displayName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  return base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_FILENAME_LENGTH);
}

/** @fastify/multipart's limits are the client's fault; its own 413s name the part, not the size. */
function formError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'FST_FILES_LIMIT':
      return fieldError('file', 'only one file per upload');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return validationError('The upload form has too many fields: send `file` and `type` only');
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'The file is larger than any upload may be');
    case 'FST_PROTO_VIOLATION':
    case 'FST_MP_PREMATURE_CLOSE':
      return validationError('The multipart body is malformed or incomplete');
    case undefined:
    default:
      return error instanceof Error && /multipart|boundary/i.test(error.message)
        ? validationError('The multipart body is malformed')
        : error;
  }
}

/**
 * PRD §6.5's form: a `file` and its `type`. The file streams to storage as soon as it comes,
 * held to its type's limit when `type` came before it (as clients send it), to the largest
 * limit otherwise (the service checks the type's own once `type` has come). Anything else in
 * the form is 400, and a file already received is discarded then.
 */
export async function readUploadForm(
  parts: AsyncIterable<Multipart>,
  deps: UploadFormDeps,
): Promise<UploadForm> {
  let declared: MediaType | undefined;
  let received: ReceivedUpload | undefined;
  let filename = '';
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw fieldError(part.fieldname, 'unknown field: the file goes in `file`');
        }
        filename = displayName(part.filename);
        received = await deps.receive(
          part.file,
          declared ? SIZE_LIMITS[declared] : MAX_UPLOAD_BYTES,
        );
      } else if (part.fieldname === 'type') {
        if (declared) throw fieldError('type', 'given twice');
        declared = declaredType(part.value);
      } else {
        throw fieldError(part.fieldname, 'unknown field');
      }
    }
  } catch (error) {
    if (received) await deps.discard(received);
    throw formError(error);
  }
  if (!declared) {
    if (received) await deps.discard(received);
    throw fieldError('type', 'is required');
  }
  if (!received) throw fieldError('file', 'is required');
  return { received, declared, filename };
}
