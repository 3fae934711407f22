import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { messagePreview, truncate } from '../src/service/message-preview.ts';

test('text and system messages show their body, whitespace collapsed', () => {
  assert.equal(messagePreview('text', { body: 'Hey,\n  how are you?' }), 'Hey, how are you?');
  assert.equal(messagePreview('system', { body: 'Alice added Bob' }), 'Alice added Bob');
  assert.equal(messagePreview('text', {}), '');
});

test('a long body is cut to 100 characters with an ellipsis, never inside an emoji', () => {
  const cut = messagePreview('text', { body: 'a'.repeat(150) });
  assert.equal([...cut].length, 100);
  assert.ok(cut.endsWith('…'));
  const family = '👨‍👩‍👧';
  const emojiCut = truncate(family.repeat(120));
  assert.ok(emojiCut.startsWith(family));
  assert.equal(emojiCut, `${family.repeat(99)}…`);
  assert.equal(truncate('short'), 'short');
});

test('media show a label, or their caption or file name', () => {
  const media_id = randomUUID();
  assert.equal(messagePreview('image', { media_id }), '📷 Photo');
  assert.equal(messagePreview('image', { media_id, caption: 'Sunset' }), '📷 Sunset');
  assert.equal(messagePreview('video', { media_id, caption: '  ' }), '🎥 Video');
  assert.equal(messagePreview('audio', { media_id, duration_ms: 5_000 }), '🎤 Audio');
  assert.equal(messagePreview('document', { media_id, filename: 'report.pdf' }), '📄 report.pdf');
  assert.equal(messagePreview('document', { media_id }), '📄 Document');
});
