import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@wa/pkg/config';
import { loadMessageConfig } from '../src/config.ts';

test('the message store: PostgreSQL by default, lone writes waiting 3 ms for company', () => {
  const config = loadMessageConfig({});
  assert.equal(config.messageStore.url, 'postgres://postgres@127.0.0.1:5432/whatsapp');
  assert.equal(config.messageStore.poolMax, 10);
  assert.equal(config.messageStore.batchWaitMs, 3);
  assert.equal(loadMessageConfig({ MESSAGE_STORE_BATCH_WAIT_MS: '0' }).messageStore.batchWaitMs, 0);
  assert.ok(Object.isFrozen(config));
});

test('names every invalid variable in one error', () => {
  assert.throws(
    () =>
      loadMessageConfig({
        MESSAGE_STORE_URL: 'mysql://db',
        MESSAGE_STORE_BATCH_WAIT_MS: '101',
        OUTBOX_LINGER_MS: '-1',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const name of ['MESSAGE_STORE_URL', 'MESSAGE_STORE_BATCH_WAIT_MS', 'OUTBOX_LINGER_MS'])
        assert.match(error.message, new RegExp(name));
      return true;
    },
  );
});
