import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, isPublicRoute } from '../src/model/routes.ts';

test('bearerToken reads only well-formed bearer headers', () => {
  assert.equal(bearerToken('Bearer abc.def-ghi_jkl'), 'abc.def-ghi_jkl');
  assert.equal(bearerToken('bearer abc'), 'abc');
  for (const header of [
    undefined,
    '',
    'Bearer',
    'Bearer a b',
    'Basic abc',
    'abc',
    `Bearer ${'a'.repeat(5_000)}`,
  ]) {
    assert.equal(bearerToken(header), undefined, String(header).slice(0, 20));
  }
});

test('only the three OTP/refresh POSTs are public', () => {
  assert.ok(isPublicRoute('POST', '/api/v1/auth/request-otp'));
  assert.ok(isPublicRoute('POST', '/api/v1/auth/verify-otp?x=1'));
  assert.ok(isPublicRoute('POST', '/api/v1/auth/refresh'));
  assert.ok(!isPublicRoute('GET', '/api/v1/auth/refresh'));
  assert.ok(!isPublicRoute('POST', '/api/v1/auth/logout'));
  assert.ok(!isPublicRoute('POST', '/api/v1/auth/refresh/'));
  assert.ok(!isPublicRoute('POST', '/api/v1/users/me'));
});
