import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  eventually,
  expectOk,
  request,
  startJaegerServer,
  startStack,
  TestSocket,
  type Stack,
  type StackSession,
  type TestJaeger,
} from '@wa/pkg/testing';

/*
 * Addenda L end to end: one REST send through the gateway shows in Jaeger as one trace with spans
 * from the api-gateway, the message-service and the websocket-service's fan-out, the request id
 * on them, found through Jaeger's own HTTP API.
 */

let jaeger: TestJaeger;
let stack: Stack;

before(async () => {
  jaeger = await startJaegerServer();
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    otlpEndpoint: jaeger.otlpUrl,
  });
});

after(async () => {
  await stack?.stop();
  await jaeger?.stop();
});

interface JaegerTrace {
  traceID: string;
  spans: {
    spanID: string;
    operationName: string;
    processID: string;
    tags: { key: string; value: unknown }[];
  }[];
  processes: Record<string, { serviceName: string }>;
}

const call = (
  session: StackSession,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
) => request(stack.gateway, { token: session.token, method, url, body, headers });

test('a REST send is one trace in Jaeger: gateway, message-service and the websocket fan-out', async () => {
  const [alice, bob] = [await stack.login(), await stack.login()];
  const chat = expectOk(
    await call(alice, 'POST', '/api/v1/chats', { type: 'direct', participant_id: bob.id }),
    201,
  ) as { chat_id: string };
  const socket = await TestSocket.open(stack.websockets[0].url(bob.token));
  try {
    await socket.request('ping', {});
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

    const tags = encodeURIComponent(JSON.stringify({ 'request.id': requestId }));
    const trace = await eventually(
      async () => {
        const response = await fetch(
          `${jaeger.queryUrl}/api/traces?service=api-gateway&tags=${tags}&limit=5&lookback=1h`,
        );
        const { data } = (await response.json()) as { data: JaegerTrace[] };
        assert.equal(data.length, 1, 'one trace for the request');
        const services = new Set(
          data[0].spans.map((span) => data[0].processes[span.processID].serviceName),
        );
        for (const service of ['api-gateway', 'message-service', 'websocket-service'])
          assert.ok(services.has(service), `${service} in ${[...services].join(', ')}`);
        return data[0];
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const fanOut = trace.spans.find(
      (span) =>
        trace.processes[span.processID].serviceName === 'websocket-service' &&
        span.operationName === 'msg.new process',
    );
    assert.ok(fanOut, 'the websocket-service fan-out of msg.new is a span of the trace');
    const gatewaySpan = trace.spans.find(
      (span) => trace.processes[span.processID].serviceName === 'api-gateway',
    );
    assert.ok(gatewaySpan?.operationName.startsWith('POST '), gatewaySpan?.operationName);
  } finally {
    await socket.close();
  }
});
