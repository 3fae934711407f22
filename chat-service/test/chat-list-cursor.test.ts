import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AppError } from '@wa/pkg/errors';
import { decodeCursor, encodeCursor } from '../src/service/chat-list-cursor.ts';

test('a cursor round-trips the position to the microsecond and is URL-safe', () => {
  const position = { activityKey: '2025-06-01T12:00:00.123456Z', chatId: randomUUID() };
  const cursor = encodeCursor(position);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor), position);
});

test('anything else is a 400', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of [
    'not-a-cursor',
    encode(null),
    encode([1, 2]),
    encode({ a: '2025-06-01T12:00:00Z', c: randomUUID() }),
    encode({ a: '2025-13-45T12:00:00.123456Z', c: randomUUID() }),
    encode({ a: '2025-06-01T12:00:00.123456Z', c: 'nope' }),
    encode({ a: '2025-06-01T12:00:00.123456Z' }),
  ]) {
    assert.throws(
      () => decodeCursor(cursor),
      (error: unknown) => error instanceof AppError && error.code === 'VALIDATION_ERROR',
      cursor,
    );
  }
});
