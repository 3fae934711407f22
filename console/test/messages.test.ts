import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateStatus,
  applyDeleted,
  applyReceipt,
  applySent,
  DELETED_BODY,
  mergeMessages,
  previewOf,
} from '../src/state/messages.ts';
import type { MessageView } from '../src/state/model.ts';
import { backoffMs } from '../src/ws/backoff.ts';

/* The console's pure rules: what a bubble shows as frames arrive in any order. */

const message = (overrides: Partial<MessageView>): MessageView => ({
  key: 'm1',
  message_id: 'm1',
  client_msg_id: null,
  chat_id: 'c1',
  sender_id: 'alice',
  type: 'text',
  payload: { body: 'hi' },
  reply_to_message_id: null,
  forwarded: false,
  is_deleted: false,
  created_at: '2026-01-01T10:00:00.000Z',
  status: 'sent',
  receipts: {},
  ...overrides,
});

const pending = (clientMsgId: string, at: string) =>
  message({
    key: `local:${clientMsgId}`,
    message_id: null,
    client_msg_id: clientMsgId,
    created_at: at,
    status: 'pending',
  });

test('a replayed message_id is kept once, with the higher status', () => {
  const first = message({ status: 'read' });
  const merged = mergeMessages([first], [message({ status: 'delivered' })]);
  assert.equal(merged.length, 1);
  assert.equal(merged[0].status, 'read');
});

test('history that holds a pending send replaces it by client_msg_id instead of adding a twin', () => {
  const local = pending('c-1', '2026-01-01T10:00:05.000Z');
  const stored = message({
    message_id: 'm9',
    key: 'm9',
    client_msg_id: 'c-1',
    status: 'delivered',
  });
  const merged = mergeMessages([local], [stored]);
  assert.equal(merged.length, 1);
  assert.equal(merged[0].message_id, 'm9');
  assert.equal(merged[0].status, 'delivered');
});

test('messages are ordered by timestamp, then id', () => {
  const merged = mergeMessages(
    [message({ key: 'b', message_id: 'b', created_at: '2026-01-01T10:00:02.000Z' })],
    [
      message({ key: 'c', message_id: 'c', created_at: '2026-01-01T10:00:01.000Z' }),
      message({ key: 'a', message_id: 'a', created_at: '2026-01-01T10:00:02.000Z' }),
    ],
  );
  assert.deepEqual(
    merged.map((m) => m.key),
    ['c', 'a', 'b'],
  );
});

test('message.sent gives a pending send its id and time, keeping a status that came first', () => {
  const sent = applySent(
    [pending('c-1', '2026-01-01T10:00:00.000Z')],
    'c-1',
    'm1',
    '2026-01-01T10:00:01.000Z',
  );
  assert.equal(sent[0].message_id, 'm1');
  assert.equal(sent[0].status, 'sent');
  assert.equal(sent[0].created_at, '2026-01-01T10:00:01.000Z');
  const early = applySent([{ ...pending('c-2', 'x'), status: 'delivered' }], 'c-2', 'm2', 'y');
  assert.equal(early[0].status, 'delivered');
});

test('a group message is delivered once every member has it, read once every member read it', () => {
  let items = [message({})];
  items = applyReceipt(items, 'm1', 'bob', 'delivered', 2);
  assert.equal(items[0].status, 'sent');
  items = applyReceipt(items, 'm1', 'carol', 'delivered', 2);
  assert.equal(items[0].status, 'delivered');
  items = applyReceipt(items, 'm1', 'bob', 'read', 2);
  assert.equal(items[0].status, 'delivered');
  items = applyReceipt(items, 'm1', 'carol', 'read', 2);
  assert.equal(items[0].status, 'read');
});

test('a status never goes back, and an unknown message is left alone', () => {
  const read = applyReceipt([message({})], 'm1', 'bob', 'read', 1);
  assert.equal(read[0].status, 'read');
  const again = applyReceipt(read, 'm1', 'bob', 'delivered', 1);
  assert.equal(again, read);
  const unknown = [message({})];
  assert.equal(applyReceipt(unknown, 'other', 'bob', 'read', 1), unknown);
  assert.equal(aggregateStatus({}, 1), 'sent');
});

test('a deletion replaces the payload with the placeholder', () => {
  const [deleted] = applyDeleted([message({})], 'm1');
  assert.equal(deleted.is_deleted, true);
  assert.deepEqual(deleted.payload, { body: DELETED_BODY });
  assert.equal(previewOf('text', { body: 'x' }, true), DELETED_BODY);
  assert.equal(previewOf('image', { caption: 'Beach' }), 'Photo: Beach');
  assert.equal(previewOf('document', { filename: 'a.pdf' }), 'Document: a.pdf');
});

test('reconnects back off 1, 2, 4, 8, 16 s, then 30 s at most', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 9].map(backoffMs),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  );
});
