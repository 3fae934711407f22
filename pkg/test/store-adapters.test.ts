import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_URL_PATTERN, storeKindOf } from '@wa/pkg/db';

test('a store URL picks its adapter by scheme, the same way for every service (addenda K)', () => {
  assert.equal(storeKindOf('postgres://u@h:5432/db', 'X_STORE_URL'), 'postgres');
  assert.equal(storeKindOf('postgresql://h/db', 'X_STORE_URL'), 'postgres');
  assert.equal(storeKindOf('mongodb://h:27017/db', 'X_STORE_URL'), 'mongodb');
  assert.equal(storeKindOf('mongodb+srv://cluster.example/db', 'X_STORE_URL'), 'mongodb');
  assert.throws(
    () => storeKindOf('mysql://h/db', 'MEDIA_STORE_URL'),
    /^Error: MEDIA_STORE_URL must start with one of postgres:\/\//,
  );
  assert.throws(() => storeKindOf('not a url', 'MEDIA_STORE_URL'), /MEDIA_STORE_URL is not a URL/);
});

test('the configuration pattern accepts exactly the schemes storeKindOf knows', () => {
  const pattern = new RegExp(STORE_URL_PATTERN);
  for (const url of [
    'postgres://h/db',
    'postgresql://h/db',
    'mongodb://h/db',
    'mongodb+srv://h/db',
  ])
    assert.match(url, pattern);
  for (const url of ['mysql://h/db', 'mongodbx://h/db', 'http://h/db'])
    assert.doesNotMatch(url, pattern);
});
