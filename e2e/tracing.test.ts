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
 * them, found through Jaeger's own HTTP API.
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

const call = (
  session: StackSession,
  method: 'GET' | 'POST',
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

    const traces = async (id: string) => {
      const tags = encodeURIComponent(JSON.stringify({ 'request.id': id }));
      const response = await fetch(
        `${jaeger.queryUrl}/api/traces?service=api-gateway&tags=${tags}&limit=5&lookback=1h`,
      );
      return ((await response.json()) as { data: JaegerTrace[] }).data;
    };
    // Each process exports on its own schedule, and a span only once it ended (a consumer's after
    // its calls): the trace is read again until every span looked for is in.
    await eventually(
      async () => {
        const data = await traces(requestId);
        assert.equal(data.length, 1, 'one trace for the request');
        const trace = data[0];
        const spanOf = (service: string, matches: (span: JaegerSpan) => boolean) =>
          trace.spans.find(
            (span) => trace.processes[span.processID].serviceName === service && matches(span),
          );
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
    assert.deepEqual(await traces(probeId), [], 'the /health probe made no trace');
  } finally {
    await socket.close();
  }
});
