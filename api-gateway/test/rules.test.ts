import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ROUTES, bearerToken, bodyLimitOf, isPublicRoute } from '../src/model/routes.ts';

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

test('only a multipart body gets the upload limit, and only on an upload route', () => {
  const media = API_ROUTES.find((route) => route.service === 'media-service')!;
  const users = API_ROUTES.find((route) => route.service === 'user-service')!;
  assert.equal(bodyLimitOf(media, 'multipart/form-data; boundary=x'), 'upload');
  assert.equal(bodyLimitOf(media, 'Multipart/Form-Data'), 'upload');
  for (const other of [
    'application/json',
    'application/octet-stream',
    'multipart/form-dataX',
    undefined,
  ])
    assert.equal(bodyLimitOf(media, other), 'json', String(other));
  assert.equal(bodyLimitOf(users, 'multipart/form-data; boundary=x'), 'json');
});
