import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { encodeErrorFrame, encodeServerFrame, parseClientFrame } from '@wa/pkg/ws';

const parse = (value: unknown) =>
  parseClientFrame(typeof value === 'string' ? value : JSON.stringify(value), 64 * 1024);

describe('parseClientFrame', () => {
  test('accepts a valid message.send and keeps req_id', () => {
    const parsed = parse({
      event: 'message.send',
      data: { chat_id: randomUUID(), client_msg_id: 'c1', type: 'text', payload: { body: 'hi' } },
      req_id: 'r1',
    });
    assert.equal(parsed.ok, true);
    if (parsed.ok) {
      assert.equal(parsed.frame.event, 'message.send');
      assert.equal(parsed.frame.req_id, 'r1');
    }
  });

  test('a NUL or a lone surrogate in any string is a validation error (4000)', () => {
    const chat = randomUUID();
    for (const text of [
      `{"event":"message.send","data":{"chat_id":"${chat}","client_msg_id":"c","type":"text","payload":{"body":"a\\u0000"}},"req_id":"r"}`,
      `{"event":"message.send","data":{"chat_id":"${chat}","client_msg_id":"\\ud800","type":"text","payload":{"body":"a"}},"req_id":"r"}`,
    ]) {
      const parsed = parse(text);
      assert.equal(parsed.ok, false, text);
      if (!parsed.ok) {
        assert.equal(parsed.code, 'VALIDATION_ERROR');
        assert.equal(parsed.req_id, 'r');
      }
    }
    const lone = parse('{"event":"ping","req_id":"\\udc00"}');
    assert.equal(lone.ok, false);
    if (!lone.ok) assert.equal(lone.req_id, undefined);
  });

  test('ping without data is valid', () => {
    assert.equal(parse({ event: 'ping' }).ok, true);
  });

  test('not JSON is a validation error', () => {
    assert.deepEqual(parse('{nope'), {
      ok: false,
      code: 'VALIDATION_ERROR',
      message: 'Frame is not valid JSON',
      req_id: undefined,
    });
  });

  test('an unknown event is a validation error that echoes req_id', () => {
    const parsed = parse({ event: 'message.explode', data: {}, req_id: 'r2' });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) {
      assert.equal(parsed.code, 'VALIDATION_ERROR');
      assert.equal(parsed.req_id, 'r2');
      assert.match(parsed.message, /Unknown event/);
    }
  });

  test('missing fields name the problem', () => {
    const parsed = parse({ event: 'message.send', data: { chat_id: randomUUID() }, req_id: 'r3' });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.message, /Invalid message\.send/);
  });

  test('a malformed uuid is refused', () => {
    assert.equal(parse({ event: 'typing.start', data: { chat_id: 'nope' } }).ok, false);
  });

  test('an array or a string frame is refused', () => {
    assert.equal(parse([1, 2]).ok, false);
    assert.equal(parse('"ping"').ok, false);
  });

  test('a frame over the size limit is PAYLOAD_TOO_LARGE before parsing', () => {
    const parsed = parseClientFrame('x'.repeat(2_000), 1_000);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.equal(parsed.code, 'PAYLOAD_TOO_LARGE');
  });
});

describe('server frames', () => {
  test('carry event, data, echoed req_id and an ISO timestamp', () => {
    const frame = JSON.parse(encodeServerFrame('pong', {}, 'r1', new Date(0)));
    assert.deepEqual(frame, {
      event: 'pong',
      data: {},
      timestamp: '1970-01-01T00:00:00.000Z',
      req_id: 'r1',
    });
  });

  test('error frames use the WS code of the error table', () => {
    const frame = JSON.parse(encodeErrorFrame('RATE_LIMITED', 'slow down', 'r9'));
    assert.deepEqual(frame.data, { code: 4029, message: 'slow down' });
    assert.equal(frame.req_id, 'r9');
  });
});
