import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AppError } from '@wa/pkg/errors';
import type { DeliveryStatus, RecipientStatus } from '../src/model/message.ts';
import { wholeWordPattern as wholeWord } from '../src/repository/mongo/filters.ts';
import { decodeCursor, encodeCursor } from '../src/service/cursor.ts';
import { validatePayload, withUpload } from '../src/service/payload-rules.ts';
import type { MediaUpload } from '../src/repository/media-remote.ts';
import { movesForward, statusForViewer, statusesBelow } from '../src/model/status-rules.ts';

const STATUSES: DeliveryStatus[] = ['sent', 'delivered', 'read'];
const at = new Date(0);
const entry = (status: DeliveryStatus, hidden = false): RecipientStatus =>
  hidden ? { status, updated_at: at, receipt_hidden: true } : { status, updated_at: at };

const refuses = (fn: () => unknown, field: string) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'VALIDATION_ERROR');
    assert.equal(error.details?.[0]?.field, field);
    return true;
  });

describe('status transitions', () => {
  test('only forward moves are allowed, for every pair', () => {
    const expected: Record<string, boolean> = {
      'sent>sent': false,
      'sent>delivered': true,
      'sent>read': true,
      'delivered>sent': false,
      'delivered>delivered': false,
      'delivered>read': true,
      'read>sent': false,
      'read>delivered': false,
      'read>read': false,
    };
    for (const from of STATUSES)
      for (const to of STATUSES) {
        assert.equal(movesForward(from, to), expected[`${from}>${to}`], `${from}>${to}`);
        assert.equal(statusesBelow(to).includes(from), expected[`${from}>${to}`]);
      }
    assert.equal(movesForward(undefined, 'read'), false, 'a non-recipient has nothing to move');
  });

  test('the sender sees the lowest status, a hidden read as delivered; others see their own', () => {
    const status = { b: entry('read'), c: entry('delivered') };
    assert.equal(statusForViewer({ sender_id: 'a', status }, 'a'), 'delivered');
    assert.equal(statusForViewer({ sender_id: 'a', status }, 'b'), 'read');
    assert.equal(
      statusForViewer({ sender_id: 'a', status: { b: entry('read', true) } }, 'a'),
      'delivered',
    );
    assert.equal(statusForViewer({ sender_id: 'a', status: { b: entry('read') } }, 'a'), 'read');
    assert.equal(statusForViewer({ sender_id: 'a', status: {} }, 'a'), 'sent');
    assert.equal(statusForViewer({ sender_id: 'a', status }, 'late-joiner'), 'read');
  });
});

describe('payloads', () => {
  test('text needs a non-empty body of at most 4,096 characters', () => {
    assert.deepEqual(validatePayload('text', { body: 'hi' }), { body: 'hi' });
    assert.deepEqual(validatePayload('text', { body: 'x'.repeat(4_096) }).body?.length, 4_096);
    refuses(() => validatePayload('text', { body: 'x'.repeat(4_097) }), 'payload.body');
    refuses(() => validatePayload('text', { body: ' \n ' }), 'payload.body');
    refuses(() => validatePayload('text', {}), 'payload.body');
    refuses(() => validatePayload('text', { body: 5 }), 'payload.body');
    refuses(() => validatePayload('text', { body: 'a', caption: 'b' }), 'payload.caption');
    refuses(() => validatePayload('text', null), 'payload');
    refuses(() => validatePayload('text', ['a']), 'payload');
  });

  test('media types need a UUID media_id and accept only their own fields', () => {
    const media = randomUUID();
    assert.deepEqual(validatePayload('image', { media_id: media, caption: 'c' }), {
      media_id: media,
      caption: 'c',
    });
    assert.deepEqual(validatePayload('audio', { media_id: media, duration_ms: 10 }), {
      media_id: media,
      duration_ms: 10,
    });
    assert.deepEqual(
      validatePayload('document', { media_id: media.toUpperCase(), filename: 'a.pdf' }),
      {
        media_id: media,
        filename: 'a.pdf',
      },
    );
    refuses(() => validatePayload('video', {}), 'payload.media_id');
    refuses(() => validatePayload('video', { media_id: 'x' }), 'payload.media_id');
    refuses(
      () => validatePayload('audio', { media_id: media, duration_ms: -1 }),
      'payload.duration_ms',
    );
    refuses(
      () => validatePayload('audio', { media_id: media, duration_ms: 1.5 }),
      'payload.duration_ms',
    );
    refuses(() => validatePayload('image', { media_id: media, filename: 'x' }), 'payload.filename');
  });

  test('clients cannot send the metadata the media-service owns', () => {
    const media_id = randomUUID();
    for (const [field, value] of [
      ['mime_type', 'image/png'],
      ['size_bytes', 1],
      ['width', 1],
      ['height', 1],
    ] as const)
      refuses(() => validatePayload('image', { media_id, [field]: value }), `payload.${field}`);
  });
});

describe('media payloads (addenda I)', () => {
  const sender = randomUUID();
  const upload = (overrides: Partial<MediaUpload> = {}): MediaUpload => ({
    mediaId: randomUUID(),
    uploaderId: sender,
    fileType: 'image',
    mimeType: 'image/png',
    sizeBytes: 2_048,
    width: 64,
    height: 32,
    originalFilename: 'a.png',
    ...overrides,
  });

  test('adds the upload metadata, flat, and leaves out what the file lacks', () => {
    const image = upload();
    assert.deepEqual(
      withUpload('image', { media_id: image.mediaId, caption: 'c' }, sender, image),
      {
        media_id: image.mediaId,
        caption: 'c',
        mime_type: 'image/png',
        size_bytes: 2_048,
        width: 64,
        height: 32,
      },
    );
    const doc = upload({
      fileType: 'document',
      mimeType: 'application/pdf',
      width: undefined,
      height: undefined,
    });
    assert.deepEqual(withUpload('document', { media_id: doc.mediaId }, sender, doc), {
      media_id: doc.mediaId,
      mime_type: 'application/pdf',
      size_bytes: 2_048,
      filename: 'a.png',
    });
  });

  test("a probed duration wins over the client's, a client's filename over the upload's", () => {
    const audio = upload({
      fileType: 'audio',
      width: undefined,
      height: undefined,
      durationMs: 3_000,
    });
    assert.equal(
      withUpload('audio', { media_id: audio.mediaId, duration_ms: 9 }, sender, audio).duration_ms,
      3_000,
    );
    const unprobed = upload({ fileType: 'audio', width: undefined, height: undefined });
    assert.equal(
      withUpload('audio', { media_id: unprobed.mediaId, duration_ms: 9 }, sender, unprobed)
        .duration_ms,
      9,
    );
    const doc = upload({ fileType: 'document' });
    assert.equal(
      withUpload('document', { media_id: doc.mediaId, filename: 'mine.pdf' }, sender, doc).filename,
      'mine.pdf',
    );
    const nameless = upload({ fileType: 'document', originalFilename: undefined });
    assert.equal(
      'filename' in withUpload('document', { media_id: nameless.mediaId }, sender, nameless),
      false,
    );
  });

  test("refuses an unknown id, another user's upload and an upload of another type alike", () => {
    const image = upload();
    const payload = { media_id: image.mediaId };
    refuses(() => withUpload('image', payload, sender, null), 'payload.media_id');
    refuses(() => withUpload('image', payload, randomUUID(), image), 'payload.media_id');
    refuses(() => withUpload('document', payload, sender, image), 'payload.media_id');
    refuses(() => withUpload('video', payload, sender, image), 'payload.media_id');
    // An upper-case sender id is the same sender.
    assert.equal(withUpload('image', payload, sender.toUpperCase(), image).width, 64);
  });
});

describe('cursors and search patterns', () => {
  test('a cursor round-trips and a tampered one is refused', () => {
    const key = { created_at: new Date(1_700_000_000_123), message_id: randomUUID() };
    assert.deepEqual(decodeCursor(encodeCursor(key)), key);
    for (const bad of [
      '',
      'Zm9v',
      Buffer.from('12:nope').toString('base64url'),
      Buffer.from(`x:${key.message_id}`).toString('base64url'),
    ])
      refuses(() => decodeCursor(bad), 'cursor');
  });

  test('a cursor past the latest Date is refused, the latest itself is kept', () => {
    const id = randomUUID();
    const cursor = (ms: number) => Buffer.from(`${ms}:${id}`).toString('base64url');
    refuses(() => decodeCursor(cursor(8.64e15 + 1)), 'cursor');
    refuses(() => decodeCursor(cursor(Number.MAX_SAFE_INTEGER)), 'cursor');
    assert.equal(decodeCursor(cursor(8.64e15)).created_at.getTime(), 8.64e15);
  });

  test('whole-word patterns escape the term and respect non-ASCII letters', () => {
    const match = (term: string, body: string) => new RegExp(wholeWord(term), 'iu').test(body);
    assert.equal(match('café', 'au Café!'), true);
    assert.equal(match('caf', 'au café'), false);
    assert.equal(match('a.c', 'abc'), false);
    assert.equal(match('a.c', 'x a.c y'), true);
    assert.equal(match('tomorrow', 'tomorrowland'), false);
  });
});
