import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Format } from 'typebox/format';
import {
  findUnacceptableText,
  isAcceptableText,
  isDateTime,
  jsonMayHoldUnacceptableText,
} from '@wa/pkg/text';

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

test('a JSON text whose parse holds bad text is always flagged; plain text is not', () => {
  const bad: unknown[] = [
    { payload: { body: 'a\u0000' } },
    { ids: ['ok', 'x\ud800'] },
    { ['k\u0000']: 1 },
    ['\udfff'],
  ];
  for (const value of bad) {
    const text = JSON.stringify(value);
    assert.notEqual(findUnacceptableText(JSON.parse(text)), undefined);
    assert.equal(jsonMayHoldUnacceptableText(text), true, text);
  }
  // Hand-written JSON: the escape itself, and a lone surrogate written raw.
  for (const text of ['{"a":"\\u0000"}', '["\\uD800"]', '["x\ud800"]'])
    assert.equal(jsonMayHoldUnacceptableText(text), true, text);
  for (const value of [{ body: 'héllo 😀 \u202e' }, { ids: ['a', 'b'], n: 1, ok: true }])
    assert.equal(jsonMayHoldUnacceptableText(JSON.stringify(value)), false);
});

test('isDateTime agrees with TypeBox on every form, and takes what toISOString writes', () => {
  const samples = [
    new Date().toISOString(),
    '2024-02-29T23:59:59.999Z',
    '2023-02-29T00:00:00.000Z',
    '2023-02-28T24:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-00-10T00:00:00Z',
    '2023-04-31T00:00:00Z',
    '2023-04-30T23:60:00Z',
    '2016-12-31T23:59:60Z',
    '2016-12-30T23:59:60Z',
    '2023-04-30t10:00:00z',
    '2023-04-30T10:00:00+02:00',
    '2023-04-30T10:00:00',
    '2023-04-30 10:00:00Z',
    '1900-02-29T00:00:00Z',
    '2000-02-29T00:00:00.1Z',
    '',
    'not a date',
  ];
  for (let day = 0; day < 800; day += 1)
    samples.push(new Date(Date.UTC(2023, 0, 1) + day * 86_400_123).toISOString());
  for (const sample of samples) assert.equal(isDateTime(sample), Format.IsDateTime(sample), sample);
});
