import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  eventually,
  expectOk,
  request,
  startJaegerServer,
  startStack,
  testStores,
  TestSocket,
  type Stack,
  type StackSession,
  type TestJaeger,
} from '@wa/pkg/testing';

/*
 * Addenda L end to end: one REST send through the gateway shows in Jaeger as one trace with spans
 * from the api-gateway, the message-service, its store and Redis calls, and both consumers of
 * msg.new (the websocket-service's fan-out, the notification-service's push), the request id on
 * them, found through Jaeger's own HTTP API; a push to an offline recipient adds its FCM call.
 */

let jaeger: TestJaeger;
let stack: Stack;

before(async () => {
  jaeger = await startJaegerServer();
  stack = await startStack({
    services: [
      'user-service',
      'chat-service',
      'message-service',
      'notification-service',
      'websocket-service',
    ],
    otlpEndpoint: jaeger.otlpUrl,
  });
});

after(async () => {
  await stack?.stop();
  await jaeger?.stop();
});

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  tags: { key: string; value: unknown }[];
}

interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const tagOf = (span: JaegerSpan, key: string) => span.tags.find((tag) => tag.key === key)?.value;

/** The message-service's store in this run (TEST_MESSAGE_STORE), as db.system.name names it. */
const messageStoreSystem = testStores.messageStore === 'mongodb' ? 'mongodb' : 'postgresql';

/** The traces of the request sent with `requestId`, as Jaeger's API finds them by tag. */
async function tracesOf(requestId: string): Promise<JaegerTrace[]> {
  const tags = encodeURIComponent(JSON.stringify({ 'request.id': requestId }));
  const response = await fetch(
    `${jaeger.queryUrl}/api/traces?service=api-gateway&tags=${tags}&limit=5&lookback=1h`,
  );
  return ((await response.json()) as { data: JaegerTrace[] }).data;
}

/** The first span of `service` in `trace` that `matches`. */
const spanIn = (trace: JaegerTrace, service: string, matches: (span: JaegerSpan) => boolean) =>
  trace.spans.find(
    (span) => trace.processes[span.processID].serviceName === service && matches(span),
  );

const call = (
  session: StackSession,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
) => request(stack.gateway, { token: session.token, method, url, body, headers });

test('a REST send is one trace in Jaeger: gateway, message-service, its store and both consumers', async () => {
  const [alice, bob] = [await stack.login(), await stack.login()];
  const chat = expectOk(
    await call(alice, 'POST', '/api/v1/chats', { type: 'direct', participant_id: bob.id }),
    201,
  ) as { chat_id: string };
  const socket = await TestSocket.open(stack.websockets[0].url(bob.token));
  try {
    await socket.request('ping', {});
    const probeId = `trace-probe-${randomUUID()}`;
    const probe = { method: 'GET' as const, url: '/health', headers: { 'x-request-id': probeId } };
    expectOk(await request(stack.gateway, probe));
    const requestId = `trace-test-${randomUUID()}`;
    const sent = await call(
      alice,
      'POST',
      `/api/v1/chats/${chat.chat_id}/messages`,
      { client_msg_id: randomUUID(), type: 'text', payload: { body: 'traced' } },
      { 'x-request-id': requestId },
    );
    expectOk(sent, 201);
    await socket.waitFor((frame) => frame.event === 'message.new');

    // Each process exports on its own schedule, and a span only once it ended (a consumer's after
    // its calls): the trace is read again until every span looked for is in.
    await eventually(
      async () => {
        const data = await tracesOf(requestId);
        assert.equal(data.length, 1, 'one trace for the request');
        const trace = data[0];
        const spanOf = (service: string, matches: (span: JaegerSpan) => boolean) =>
          spanIn(trace, service, matches);
        const named = (name: string) => (span: JaegerSpan) => span.operationName === name;
        const gateway = spanOf('api-gateway', (span) => span.operationName.startsWith('POST '));
        assert.ok(gateway, 'the gateway request span');
        assert.ok(
          spanOf('websocket-service', named('msg.new process')),
          'the websocket-service fan-out of msg.new',
        );
        assert.ok(
          spanOf('notification-service', named('msg.new process')),
          'the notification-service push consumer of msg.new',
        );
        const store = spanOf(
          'message-service',
          (span) => tagOf(span, 'db.system.name') === messageStoreSystem,
        );
        assert.ok(store, `a ${messageStoreSystem} call of the message-service`);
        assert.ok(tagOf(store, 'db.query.text'), 'the statement is recorded');
        assert.ok(
          spanOf('message-service', (span) => tagOf(span, 'db.system.name') === 'redis'),
          'a Redis call of the message-service',
        );
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    // The gateway exported the send's span, which ended after the probe's: a probe is no trace.
    assert.deepEqual(await tracesOf(probeId), [], 'the /health probe made no trace');
  } finally {
    await socket.close();
  }
});

test('a push to an offline recipient is in the trace of the send: the FCM calls are spans', async () => {
  const [alice, carol] = [await stack.login(), await stack.login()];
  const device = `trace-device-${randomUUID()}`;
  expectOk(await call(carol, 'PUT', '/api/v1/users/me/fcm-token', { token: device }));
  const chat = expectOk(
    await call(alice, 'POST', '/api/v1/chats', { type: 'direct', participant_id: carol.id }),
    201,
  ) as { chat_id: string };
  const requestId = `trace-push-${randomUUID()}`;
  const message = { client_msg_id: randomUUID(), type: 'text', payload: { body: 'pushed' } };
  const path = `/api/v1/chats/${chat.chat_id}/messages`;
  expectOk(await call(alice, 'POST', path, message, { 'x-request-id': requestId }), 201);
  await eventually(
    async () => {
      const [trace] = await tracesOf(requestId);
      assert.ok(trace, 'the trace of the send');
      const send = spanIn(
        trace,
        'notification-service',
        (span) =>
          tagOf(span, 'span.kind') === 'client' &&
          String(tagOf(span, 'url.full') ?? tagOf(span, 'http.url')).includes('/messages:send'),
      );
      assert.ok(send, 'the FCM send is a client span of the notification-service');
    },
    { timeoutMs: 20_000, intervalMs: 250 },
  );
});
