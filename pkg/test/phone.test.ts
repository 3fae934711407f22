import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countryCallingCodeOf, toE164 } from '@wa/pkg/phone';

test('keeps a valid E.164 number', () => {
  assert.equal(toE164('+14155550123'), '+14155550123');
});

test('strips spaces, dashes and brackets', () => {
  assert.equal(toE164('+1 (415) 555-0123'), '+14155550123');
});

test('reads a national number in the given country code', () => {
  assert.equal(toE164('4155550123', '+1'), '+14155550123');
  assert.equal(toE164('015112345678', '49'), '+4915112345678');
});

test('rejects numbers that are not valid phone numbers', () => {
  for (const bad of [
    '',
    '+',
    'abc',
    '+1234567890',
    '+0123456789',
    '12345',
    '+1415555012345678',
    '+14155550123abc',
  ]) {
    assert.equal(toE164(bad), undefined, bad);
  }
});

test('rejects a national number without a country code', () => {
  assert.equal(toE164('4155550123'), undefined);
});

test('tells the country calling code of an E.164 number', () => {
  assert.equal(countryCallingCodeOf('+4915112345678'), '49');
  assert.equal(countryCallingCodeOf('+14155550123'), '1');
  assert.equal(countryCallingCodeOf('not a number'), undefined);
});
