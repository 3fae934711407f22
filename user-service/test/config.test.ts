import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@wa/pkg/config';
import { loadUserConfig } from '../src/config.ts';

test('defaults to the PRD ports, the 60 s presence TTL and local stores', () => {
  const config = loadUserConfig({});
  assert.equal(config.listen.httpPort, 8082);
  assert.equal(config.listen.grpcPort, 9082);
  assert.equal(config.presenceTtlSeconds, 60);
  assert.equal(config.postgres.poolMax, 10);
  assert.match(config.postgres.url, /^postgres:\/\//);
  assert.ok(Object.isFrozen(config));
});

test('names every invalid variable in one error', () => {
  assert.throws(
    () => loadUserConfig({ HTTP_PORT: '0', PRESENCE_TTL_SECONDS: '5', REDIS_URL: 'localhost' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /HTTP_PORT/);
      assert.match(error.message, /PRESENCE_TTL_SECONDS/);
      assert.match(error.message, /REDIS_URL/);
      return true;
    },
  );
});
