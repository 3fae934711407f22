import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeFrame, createFrameTracker } from '../src/handler/websocket-frames.ts';

/** A frame as RFC 6455 lays it out: text of `size` bytes, masked (client) or not (server). */
function frame(size: number, masked: boolean, opcode = 1): Buffer {
  const length =
    size < 126
      ? Buffer.from([size | (masked ? 0x80 : 0)])
      : size < 65_536
        ? Buffer.from([126 | (masked ? 0x80 : 0), size >> 8, size & 0xff])
        : Buffer.concat([Buffer.from([127 | (masked ? 0x80 : 0)]), bigEndian64(size)]);
  return Buffer.concat([
    Buffer.from([0x80 | opcode]),
    length,
    masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0),
    Buffer.alloc(size, 0x61),
  ]);
}

function bigEndian64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

test('finds frame boundaries of every length encoding, masked or not, however the bytes are cut', () => {
  for (const masked of [false, true]) {
    const stream = Buffer.concat([frame(5, masked), frame(300, masked), frame(70_000, masked)]);
    for (const cut of [1, 2, 3, 7, 13, 1000, stream.length]) {
      const tracker = createFrameTracker();
      const boundaries: boolean[] = [];
      for (let at = 0; at < stream.length; at += cut) {
        tracker.feed(stream.subarray(at, at + cut));
        boundaries.push(tracker.atBoundary);
      }
      assert.equal(tracker.atBoundary, true, `masked=${masked} cut=${cut}`);
      assert.equal(tracker.largestPayload, 70_000);
      assert.equal(tracker.closeSeen, false);
      if (cut === 1) assert.ok(boundaries.includes(false), 'mid-frame is not a boundary');
    }
  }
});

test('sees a close frame go by, split or whole', () => {
  const close = closeFrame(1000, 'bye');
  const tracker = createFrameTracker();
  tracker.feed(frame(10, false));
  tracker.feed(close.subarray(0, 1));
  assert.equal(tracker.closeSeen, false);
  assert.equal(tracker.atBoundary, false);
  tracker.feed(close.subarray(1));
  assert.equal(tracker.closeSeen, true);
  assert.equal(tracker.atBoundary, true);
});

test('a close frame of its own carries the code and reason', () => {
  const close = closeFrame(1013, 'Service unavailable');
  assert.equal(close[0], 0x88);
  assert.equal(close[1], 2 + 'Service unavailable'.length);
  assert.equal(close.readUInt16BE(2), 1013);
  assert.equal(close.subarray(4).toString(), 'Service unavailable');
});
