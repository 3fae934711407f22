import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TestSocket, startStack, type ReceivedFrame, type Stack } from '@wa/pkg/testing';
import { ANSWER_TIMEOUT_MS, closeAgent, send } from './fuzz/client.ts';
import { frameProblems } from './fuzz/oracle.ts';
import { FuzzReport, checkAll, fuzzSettings } from './fuzz/settings.ts';
import { FUZZ_FRAMES, frameInput, type FrameInput, type FuzzFrame } from './fuzz/ws-frames.ts';
import { createWorld, snapshot, type FuzzWorld } from './fuzz/world.ts';

/*
 * Issue 11, "Bad input everywhere", WebSocket side: every client frame type through the real
 * gateway, spoiled, on one authenticated socket (and `auth` also as the first frame of fresh
 * sockets). Every frame is answered — its own answer or an error frame with a 4xxx code, without
 * internals — within a bounded time; the socket stays open; a refused frame changes nothing.
 */

let stack: Stack | undefined;
let world: FuzzWorld;
let socket: TestSocket;
const report = new FuzzReport();
let markers = 0;

before(async () => {
  stack = await startStack({
    services: ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    logLevel: 'fatal',
    // Fuzzed sends must reach the message-service, not stop at the per-user send limit.
    // A deep pass outlasts the default 15 min access token.
    env: {
      'websocket-service': { WS_SEND_RATE_LIMIT: '1000000' },
      'auth-service': { ACCESS_TOKEN_TTL_SECONDS: '86400' },
    },
  });
  world = await createWorld(stack);
  socket = await TestSocket.open(wsUrl(world.caller.token));
});

after(async () => {
  report.write('fuzz-ws', 'frame');
  socket?.ws.terminate();
  closeAgent();
  await stack?.stop();
});

const wsUrl = (token?: string) =>
  `${stack!.gateway.replace('http', 'ws')}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;

const isAnswer = (frame: ReceivedFrame) =>
  !['presence', 'message.new', 'message.status', 'typing'].includes(frame.event);

/** Sends one frame and returns the frames that answer it (waiting on its req_id or a ping marker). */
async function exchange(input: FrameInput): Promise<ReceivedFrame[]> {
  const start = socket.frames.length;
  socket.ws.send(input.text);
  const marker = `marker-${++markers}`;
  if (input.reqId === undefined) socket.ws.send(JSON.stringify({ event: 'ping', req_id: marker }));
  const awaited = input.reqId ?? marker;
  await socket.waitFor(
    (frame) => frame.req_id === awaited && isAnswer(frame) && socket.frames.indexOf(frame) >= start,
    ANSWER_TIMEOUT_MS,
  );
  const window = socket.frames.slice(start);
  return input.reqId === undefined
    ? window.filter((frame) => frame.req_id !== marker && frame.event === 'error')
    : window.filter((frame) => frame.req_id === input.reqId);
}

async function fuzzFrame(frame: FuzzFrame): Promise<void> {
  const origin = stack!.gateway;
  let before = await snapshot(origin, world, frame.changes);
  await checkAll(`ws ${frame.event}`, frameInput(frame, world), async (input) => {
    const answers = await exchange(input);
    const answer = answers.find((received) => isAnswer(received));
    assert.ok(answer, `no answer to ${input.text.slice(0, 300)}`);
    report.count(
      frame.event,
      answer.event === 'error' ? `error ${(answer.data as { code: number }).code}` : answer.event,
    );
    for (const received of answers)
      assert.deepEqual(
        frameProblems(received, JSON.stringify(received)),
        [],
        input.text.slice(0, 300),
      );
    assert.equal(socket.ws.readyState, socket.ws.OPEN, 'the socket closed');
    const after = await snapshot(origin, world, frame.changes);
    if (answer.event === 'error') assert.equal(after, before, 'a refused frame changed a record');
    before = after;
  });
}

/** `auth` as the first frame of a socket opened without a token: ack or close 4001, nothing else. */
async function fuzzFirstAuth(frame: FuzzFrame): Promise<void> {
  await checkAll('ws auth (first frame)', frameInput(frame, world), async (input) => {
    const fresh = await TestSocket.open(wsUrl());
    try {
      fresh.ws.send(input.text);
      const outcome = await Promise.race([
        fresh.waitFor((received) => received.event === 'ack', ANSWER_TIMEOUT_MS).then(() => 'ack'),
        fresh.closed.then(({ code }) => `close ${code}`),
      ]);
      report.count('auth (first frame)', outcome);
      assert.ok(['ack', 'close 4001'].includes(outcome), outcome);
      for (const received of fresh.frames)
        assert.deepEqual(frameProblems(received, JSON.stringify(received)), []);
    } finally {
      fresh.ws.terminate();
    }
  });
}

/** Binary frames (only JSON text frames are accepted): each an error 4015, the socket open. */
async function fuzzBinary(): Promise<void> {
  const bytes = fc.uint8Array({ maxLength: 4_096 });
  await checkAll('ws (binary)', bytes, async (data) => {
    const start = socket.frames.length;
    const marker = `marker-${++markers}`;
    socket.ws.send(data, { binary: true });
    socket.ws.send(JSON.stringify({ event: 'ping', req_id: marker }));
    await socket.waitFor((frame) => frame.req_id === marker, ANSWER_TIMEOUT_MS);
    const errors = socket.frames.slice(start).filter((frame) => frame.event === 'error');
    report.count(
      '(binary)',
      errors.length === 1
        ? `error ${(errors[0].data as { code: number }).code}`
        : `${errors.length} errors`,
    );
    assert.deepEqual(
      errors.map((frame) => (frame.data as { code: number }).code),
      [4015],
    );
    assert.equal(socket.ws.readyState, socket.ws.OPEN, 'the socket closed');
  });
}

describe('fuzzing every WebSocket frame type through the gateway', () => {
  for (const frame of FUZZ_FRAMES) {
    test(`${frame.event}: ${fuzzSettings.runs} frames, each answered or refused with a 4xxx error`, () =>
      fuzzFrame(frame));
  }

  test(`binary frames: ${fuzzSettings.runs} frames, each an error 4015`, () => fuzzBinary());

  test(`auth as a first frame: ${fuzzSettings.runs} frames, each an ack or a 4001 close`, () =>
    fuzzFirstAuth(FUZZ_FRAMES.find((frame) => frame.event === 'auth')!));

  test('every service is alive after the pass', async () => {
    for (const service of stack!.services)
      assert.equal(service.process.exitCode, null, service.name);
    const health = await send(stack!.gateway, { method: 'GET', path: '/health' });
    assert.equal(health.status, 200, health.text);
    const websocket = new URL(stack!.websockets[0].url());
    const origins = [
      ...(['auth-service', 'user-service', 'chat-service', 'message-service'] as const).map(
        (name) => stack!.http(name),
      ),
      `http://${websocket.host}`,
    ];
    for (const origin of origins) {
      const answer = await send(origin, { method: 'GET', path: '/health' });
      assert.equal(answer.status, 200, `${origin}: ${answer.text}`);
    }
  });
});
