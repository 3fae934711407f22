import { validationError } from '@wa/pkg/errors';
import { normaliseUuid } from '@wa/pkg/uuid';
import type { ChatListPosition } from '../model/chat.ts';

const ACTIVITY_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Opaque to clients: the last row's activity time (to the microsecond) and chat id. */
export function encodeCursor(position: ChatListPosition): string {
  return Buffer.from(JSON.stringify({ a: position.activityKey, c: position.chatId })).toString(
    'base64url',
  );
}

const invalidCursor = () =>
  validationError('cursor is invalid', [
    { field: 'querystring.cursor', message: 'must be a next_cursor this API returned' },
  ]);

export function decodeCursor(cursor: string): ChatListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { a, c } = parsed as Record<string, unknown>;
  if (typeof a !== 'string' || !ACTIVITY_KEY.test(a) || Number.isNaN(Date.parse(a)))
    throw invalidCursor();
  const chatId = normaliseUuid(c);
  if (chatId === undefined) throw invalidCursor();
  return { activityKey: a, chatId };
}
