import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@wa/pkg/config';
import { loadAuthConfig } from '../src/config.ts';

test('names every missing or invalid variable in one error', () => {
  assert.throws(
    () => loadAuthConfig({ HTTP_PORT: 'eighty', OTP_FIXED_CODE: '12' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const text = error.message;
      assert.match(text, /JWT_SECRET/);
      assert.match(text, /HTTP_PORT/);
      assert.match(text, /OTP_FIXED_CODE/);
      return true;
    },
  );
});

test('refuses the mock SMS provider in production', () => {
  assert.throws(
    () => loadAuthConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }),
    /SMS_PROVIDER/,
  );
});

test('applies defaults', () => {
  const config = loadAuthConfig({ JWT_SECRET: 'x'.repeat(32) });
  assert.equal(config.listen.httpPort, 8081);
  assert.equal(config.listen.grpcPort, 9081);
  assert.equal(config.tokens.accessTtlSeconds, 900);
  assert.equal(config.tokens.refreshTtlSeconds, 30 * 86_400);
  assert.equal(config.otp.fixedCode, undefined);
  assert.ok(Object.isFrozen(config));
});
