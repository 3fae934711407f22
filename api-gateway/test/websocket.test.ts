import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { randomIp, refusedUrl, startGateway, type Gateway } from './helpers.ts';

/** A `ws` server standing in for the websocket-service: echoes frames, closes 4001 on a bad token. */
let upstream: WebSocketServer;
const upgrades: IncomingMessage[] = [];
let gw: Gateway;
let gatewayUrl: string;

before(async () => {
  upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(upstream, 'listening');
  upstream.on('connection', (socket, request) => {
    upgrades.push(request);
    const token = new URL(request.url ?? '/', 'ws://x').searchParams.get('token');
    if (token === 'bad') {
      socket.close(4001, 'unauthorized');
      return;
    }
    if (token === 'crash') {
      // The instance dies: the connection drops without a close frame (1006 at the proxy).
      socket.once('message', () => socket.terminate());
    }
    socket.send(JSON.stringify({ event: 'hello', data: { url: request.url } }));
    socket.on('message', (data, binary) =>
      socket.send(binary ? data : `echo:${(data as Buffer).toString('utf8')}`, { binary }),
    );
  });
  const { port } = upstream.address() as AddressInfo;
  gw = await startGateway({ services: { 'websocket-service': `http://127.0.0.1:${port}` } });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  gatewayUrl = `ws://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await gw.close();
  for (const client of upstream.clients) client.terminate();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) =>
    socket.once('message', (data) => resolve((data as Buffer).toString('utf8'))),
  );
}

test('proxies a /ws upgrade with its query string, frames flowing both ways', async () => {
  const client = new WebSocket(`${gatewayUrl}/ws?token=abc.def.ghi&device=android`, {
    headers: {
      'x-request-id': 'ws-request-1',
      'x-user-id': '00000000-0000-4000-8000-000000000000',
    },
  });
  const hello = JSON.parse(await nextMessage(client));
  assert.equal(hello.data.url, '/ws?token=abc.def.ghi&device=android');
  const seen = upgrades.at(-1)!;
  assert.equal(seen.headers['x-request-id'], 'ws-request-1');
  assert.equal(seen.headers['x-user-id'], undefined);

  client.send('ping-1');
  assert.equal(await nextMessage(client), 'echo:ping-1');
  client.send(Buffer.from([1, 2, 3]));
  const binary = await new Promise<Buffer>((resolve) =>
    client.once('message', (data) => resolve(data as Buffer)),
  );
  assert.deepEqual([...binary], [1, 2, 3]);
  client.close(1000);
  await once(client, 'close');
});

test('passes the websocket-service close code (4001 for a bad token) to the client', async () => {
  const client = new WebSocket(`${gatewayUrl}/ws?token=bad`);
  const [code, reason] = (await once(client, 'close')) as [number, Buffer];
  assert.equal(code, 4001);
  assert.equal(reason.toString(), 'unauthorized');
});

test('a websocket-service instance that dies closes the client with 1013, so it reconnects', async () => {
  const client = new WebSocket(`${gatewayUrl}/ws?token=crash`);
  await nextMessage(client);
  client.send('last frame');
  const [code, reason] = (await once(client, 'close')) as [number, Buffer];
  assert.equal(code, 1013);
  assert.equal(reason.toString(), 'Service unavailable');
});

test('refuses an upgrade on any other path', async () => {
  const expected: Record<string, number> = { '/api/v1/chats': 400, '/nowhere': 404 };
  for (const path of Object.keys(expected)) {
    const client = new WebSocket(`${gatewayUrl}${path}`);
    client.on('error', () => {});
    const [request, response] = (await once(client, 'unexpected-response')) as [
      ClientRequest,
      IncomingMessage,
    ];
    assert.equal(response.statusCode, expected[path], path);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(text));
    });
    assert.equal(JSON.parse(body).success, false);
    request.destroy();
  }
});

test('closes the client socket quickly when the websocket-service is down', async () => {
  const local = await startGateway({ services: { 'websocket-service': await refusedUrl() } });
  try {
    await local.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (local.app.server.address() as AddressInfo).port;
    const started = performance.now();
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws?token=abc`);
    client.on('error', () => {});
    const [code, reason] = (await once(client, 'close')) as [number, Buffer];
    assert.equal(code, 1011);
    assert.equal(reason.toString(), 'Service unavailable');
    assert.ok(performance.now() - started < 2_000);
  } finally {
    await local.close();
  }
});

test('closes proxied sockets with 1001 when the gateway shuts down', async () => {
  const local = await startGateway({
    services: {
      'websocket-service': `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    },
  });
  await local.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (local.app.server.address() as AddressInfo).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}/ws?token=abc`);
  await nextMessage(client);
  const closed = once(client, 'close');
  await local.close();
  const [code] = (await closed) as [number];
  assert.equal(code, 1001);
});

test('rate limits upgrades per IP like any other request', async () => {
  const local = await startGateway({
    services: {
      'websocket-service': `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    },
    env: { RATE_LIMIT_IP_PER_MINUTE: '1' },
  });
  // A loopback address of its own, so no other test shares this client's bucket.
  const localAddress = randomIp().replace(/^10\./, '127.');
  try {
    await local.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (local.app.server.address() as AddressInfo).port;
    const first = new WebSocket(`ws://127.0.0.1:${port}/ws?token=abc`, { localAddress });
    await nextMessage(first);
    const second = new WebSocket(`ws://127.0.0.1:${port}/ws?token=abc`, { localAddress });
    second.on('error', () => {});
    const [request, response] = (await once(second, 'unexpected-response')) as [
      ClientRequest,
      IncomingMessage,
    ];
    assert.equal(response.statusCode, 429);
    assert.ok(Number(response.headers['retry-after']) >= 1);
    request.destroy();
    first.close();
  } finally {
    await local.redis.del(`rate:ip:${localAddress}`);
    await local.close();
  }
});

test('relays frames uncompressed: permessage-deflate is neither offered upstream nor accepted from clients', async () => {
  const client = new WebSocket(`${gatewayUrl}/ws?token=deflate`, { perMessageDeflate: true });
  await nextMessage(client);
  assert.equal(client.extensions, '', 'the client was not granted compression');
  assert.equal(upgrades.at(-1)!.headers['sec-websocket-extensions'], undefined);
  client.close(1000);
  await once(client, 'close');
});

test('a client frame over WS_MAX_PAYLOAD_BYTES closes the client with 1009 before it reaches the service', async () => {
  const local = await startGateway({
    services: {
      'websocket-service': `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    },
    env: { WS_MAX_PAYLOAD_BYTES: '1024' },
  });
  try {
    await local.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (local.app.server.address() as AddressInfo).port;
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws?token=big`);
    await nextMessage(client);
    client.send('x'.repeat(1000));
    assert.equal(await nextMessage(client), `echo:${'x'.repeat(1000)}`);
    client.send('y'.repeat(2000));
    const [code] = (await once(client, 'close')) as [number];
    assert.equal(code, 1009);
  } finally {
    await local.close();
  }
});
