import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnacceptableText, isAcceptableText } from '@wa/pkg/text';

test('NUL and lone surrogates are unacceptable, every other character is fine', () => {
  for (const bad of ['a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800'])
    assert.equal(isAcceptableText(bad), false, JSON.stringify(bad));
  for (const good of ['', 'é', '😀', '\u202e\u200b\u200d\ufeff', '👩‍👩‍👧‍👦', '\ud83d\ude00'])
    assert.equal(isAcceptableText(good), true, JSON.stringify(good));
});

test('names the path of the first bad string or key, at any depth', () => {
  assert.equal(findUnacceptableText({ payload: { body: 'a\u0000' } }), 'payload.body');
  assert.equal(findUnacceptableText({ ids: ['ok', 'x\ud800'] }, 'body'), 'body.ids.1');
  assert.equal(findUnacceptableText({ ['k\u0000']: 1 }), 'k\ufffd');
  assert.equal(findUnacceptableText('\ud800', 'q'), 'q');
  assert.equal(findUnacceptableText({ a: [1, null, true, 'fine'] }), undefined);
  let deep: unknown = 'x\u0000';
  for (let i = 0; i < 100_000; i += 1) deep = [deep];
  assert.equal(findUnacceptableText(deep)?.split('.').length, 100_000);
});
