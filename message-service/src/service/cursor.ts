import { validationError } from '@wa/pkg/errors';
import { isUuid } from '@wa/pkg/http';
import type { MessageKey } from '../model/message.ts';

/** The latest instant a Date holds; a cursor past it would become an Invalid Date in the query. */
const MAX_DATE_MS = 8.64e15;

/** An opaque keyset cursor: base64url of `<created_at ms>:<message_id>`. */
export function encodeCursor(key: MessageKey): string {
  return Buffer.from(`${key.created_at.getTime()}:${key.message_id}`).toString('base64url');
}

/** Decodes a cursor from a client; a tampered or foreign one is a 400. */
export function decodeCursor(cursor: string, field = 'cursor'): MessageKey {
  const [ms, id, extra] = Buffer.from(cursor, 'base64url').toString().split(':');
  const time = Number(ms);
  const validTime = Number.isSafeInteger(time) && time >= 0 && time <= MAX_DATE_MS;
  if (extra !== undefined || !validTime || !id || !isUuid(id))
    throw validationError(`${field} is not a valid cursor`, [{ field, message: 'invalid cursor' }]);
  return { created_at: new Date(time), message_id: id };
}
