import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, HostPort, Port, Type, UrlString, loadEnv } from '@wa/pkg/config';

const Schema = Type.Object({
  PORT: Port(8080),
  DATABASE_URL: UrlString(),
  PEER: HostPort('127.0.0.1:9081'),
  ENABLED: Type.Boolean({ default: false }),
});

test('converts and defaults values and freezes the result', () => {
  const config = loadEnv(Schema, { DATABASE_URL: 'postgres://x', ENABLED: 'true' });
  assert.deepEqual(
    { ...config },
    { PORT: 8080, DATABASE_URL: 'postgres://x', PEER: '127.0.0.1:9081', ENABLED: true },
  );
  assert.ok(Object.isFrozen(config));
});

test('treats an empty value as unset', () => {
  assert.equal(loadEnv(Schema, { DATABASE_URL: 'postgres://x', PORT: '' }).PORT, 8080);
});

test('lists every problem, each naming its variable', () => {
  try {
    loadEnv(Schema, { PORT: '70000', PEER: 'no-port' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 3, error.message);
    assert.match(error.message, /DATABASE_URL: is required/);
    assert.match(error.message, /PORT/);
    assert.match(error.message, /PEER/);
  }
});

test('ignores variables the schema does not name', () => {
  assert.equal(
    Object.hasOwn(loadEnv(Schema, { DATABASE_URL: 'postgres://x', HOME: '/root' }), 'HOME'),
    false,
  );
});
