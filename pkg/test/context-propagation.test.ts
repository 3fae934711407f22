import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  connectNats,
  consumeEvents,
  ensureStreams,
  eventMeta,
  jetstream,
  jetstreamManager,
  publishEvent,
  type NatsConnection,
} from '@wa/pkg/bus';
import { AuthService, createGrpcClient, createGrpcServer } from '@wa/pkg/grpc';
import {
  contextHeaders,
  currentRequestId,
  extractContext,
  extractContextWhenAsked,
  runInContext,
  startTracing,
} from '@wa/pkg/telemetry';
import {
  eventually,
  startNatsServer,
  testLogger,
  using,
  type TestNatsServer,
} from '@wa/pkg/testing';

/*
 * Addenda L with tracing off (no OTLP endpoint): the request id still crosses every hop, gRPC
 * metadata and NATS headers, so logs of one request line up across services.
 */

const log = testLogger();
let server: TestNatsServer;
let nc: NatsConnection;

before(async () => {
  startTracing('context-test', {});
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'context-test', log });
  await ensureStreams(await jetstreamManager(nc));
});
after(async () => {
  await nc?.close();
  await server?.destroy();
});

test('the request id of the caller reaches a gRPC handler through metadata', async () => {
  let seen: string | undefined;
  const grpc = createGrpcServer({
    routes: (router) =>
      router.service(AuthService, {
        validateToken() {
          seen = currentRequestId();
          return { valid: true, userId: 'u', phone: '+1', expiresAt: 1n };
        },
      }),
    log,
  });
  const address = `127.0.0.1:${await grpc.listen(0, '127.0.0.1')}`;
  try {
    const client = createGrpcClient(AuthService, { address });
    const requestId = `req-${randomUUID()}`;
    await runInContext(extractContext({}, requestId), () => client.validateToken({ token: 't' }));
    assert.equal(seen, requestId);
    await client.validateToken({ token: 't' });
    assert.equal(seen, undefined, 'a call made outside any request carries none');
  } finally {
    await grpc.close();
  }
});

test('the request id of the publisher reaches the consumer of the event through its headers', async (t) => {
  const chatId = randomUUID();
  const seen: (string | undefined)[] = [];
  using(
    t,
    await consumeEvents<'msg.new'>({
      nc,
      log,
      durable: `context-${randomUUID()}`,
      subjects: ['msg.new'],
      handle: async (event) => {
        if (event.payload.chat_id === chatId) seen.push(currentRequestId());
      },
    }),
  );
  const requestId = `req-${randomUUID()}`;
  const event = {
    ...eventMeta(),
    message_id: randomUUID(),
    chat_id: chatId,
    sender_id: randomUUID(),
    type: 'text' as const,
    payload: { body: 'hi' },
    recipient_ids: [randomUUID()],
  };
  await runInContext(extractContext({}, requestId), () =>
    publishEvent(jetstream(nc), 'msg.new', event),
  );
  await eventually(() => assert.deepEqual(seen, [requestId]));
});

test('a consumer reads a message’s headers only when its request id is asked for, and once', () => {
  let reads = 0;
  const ctx = extractContextWhenAsked(() => {
    reads += 1;
    return { 'x-request-id': 'req-lazy' };
  });
  assert.equal(reads, 0);
  assert.equal(
    runInContext(ctx, () => currentRequestId()),
    'req-lazy',
  );
  assert.deepEqual(contextHeaders(ctx), { 'x-request-id': 'req-lazy' });
  assert.equal(reads, 1);
  assert.deepEqual(contextHeaders(extractContextWhenAsked(() => ({}))), {});
});
