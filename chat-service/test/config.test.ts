import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@wa/pkg/config';
import { loadChatConfig } from '../src/config.ts';

test('applies the defaults of PRD §3.4', () => {
  const config = loadChatConfig({});
  assert.equal(config.listen.httpPort, 8083);
  assert.equal(config.listen.grpcPort, 9083);
  assert.equal(config.nats.url, 'nats://127.0.0.1:4222');
  assert.equal(config.nats.consumerName, 'chat-service');
  assert.equal(config.grpcClients.user.address, '127.0.0.1:9082');
  assert.equal(config.postgres.poolMax, 10);
  assert.ok(Object.isFrozen(config));
});

test('names every invalid variable in one error', () => {
  assert.throws(
    () =>
      loadChatConfig({
        HTTP_PORT: 'eighty',
        USER_GRPC_ADDR: 'http://users',
        NATS_CONSUMER_NAME: 'has space',
        DATABASE_URL: 'nowhere',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const name of ['HTTP_PORT', 'USER_GRPC_ADDR', 'NATS_CONSUMER_NAME', 'DATABASE_URL'])
        assert.match(error.message, new RegExp(name));
      return true;
    },
  );
});
