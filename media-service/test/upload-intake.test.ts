import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AppError } from '@wa/pkg/errors';
import { HEAD_BYTES } from '../src/model/sniff-head.ts';
import { createUploadIntake } from '../src/service/upload-intake.ts';

const MB = 1024 * 1024;

/** `total` bytes in chunks of `chunk`, made as they are read (nothing held), counting reads. */
function source(total: number, chunk = 64 * 1024, fill = (i: number) => i % 251) {
  let produced = 0;
  const read = { bytes: 0 };
  const stream = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      const size = Math.min(chunk, total - produced);
      const buffer = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i += 4096)
        buffer.fill(fill(produced + i), i, Math.min(i + 4096, size));
      produced += size;
      read.bytes = produced;
      this.push(buffer);
    },
  });
  return { stream, read };
}

/** Hashes what passes, as the S3 upload would store it, and keeps nothing. */
function sink() {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done();
    },
  });
  return { stream, stored: () => ({ bytes, sha256: hash.digest('hex') }) };
}

test('an upload exactly at the limit passes whole, with its size, checksum and head', async () => {
  const limit = 3 * MB;
  const intake = createUploadIntake(limit);
  const out = sink();
  await pipeline(source(limit).stream, intake.stream, out.stream);
  const summary = intake.summary();
  const stored = out.stored();
  assert.equal(summary.sizeBytes, limit);
  assert.equal(stored.bytes, limit);
  assert.equal(summary.checksumSha256, stored.sha256, 'the checksum is of the bytes stored');
  assert.equal(summary.head.length, HEAD_BYTES);
  assert.equal(summary.head[0], 0);
  assert.equal(summary.plainText, false, 'NUL bytes are no text');
});

test('one byte over the limit fails with 413 before that byte is passed on', async () => {
  const limit = 2 * MB;
  const intake = createUploadIntake(limit);
  const out = sink();
  const { stream, read } = source(limit + 1);
  await assert.rejects(
    pipeline(stream, intake.stream, out.stream),
    (error) => error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE',
  );
  assert.ok(out.stored().bytes <= limit, 'nothing past the limit reached storage');
  assert.ok(read.bytes <= limit + 1);
});

test('an endless upload is cut off at the limit: the reader stops', async () => {
  const limit = MB;
  const intake = createUploadIntake(limit);
  const { stream, read } = source(Number.MAX_SAFE_INTEGER);
  await assert.rejects(pipeline(stream, intake.stream, sink().stream), /larger than 1 MB/);
  assert.ok(read.bytes < limit + 1 * MB, `read ${read.bytes} bytes`);
});

test('plain text is recognised to its last byte; a small file keeps all of it as its head', async () => {
  const text = Buffer.from('Grüße 🍞\n'.repeat(10));
  const intake = createUploadIntake(MB);
  // One byte per chunk: every multi-byte character is split.
  await pipeline(
    Readable.from([...text].map((byte) => Buffer.from([byte]))),
    intake.stream,
    sink().stream,
  );
  assert.equal(intake.summary().plainText, true);
  assert.deepEqual(Buffer.from(intake.summary().head), text);
});

test('100 MB through the intake: no chunk is kept once passed on, the heap stays flat', async () => {
  // Reachability, not garbage the collector has yet to take: chunks are watched through weak
  // references and the heap is measured after a full collection. (The process' arrayBuffers
  // figure lags behind V8's concurrent sweeping, so it is not what is asserted.)
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: string; execution: string }) => void;
  const collect = async () => {
    await new Promise((resolve) => setImmediate(resolve)); // weak references die between jobs
    gc({ type: 'major', execution: 'sync' });
  };
  await collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const intake = createUploadIntake(100 * MB);
  const passed: WeakRef<Buffer>[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      passed.push(new WeakRef(chunk));
      done();
    },
  });
  await pipeline(source(100 * MB).stream, intake.stream, out);
  assert.equal(intake.summary().sizeBytes, 100 * MB);
  await collect();
  const alive = passed.filter((ref) => ref.deref() !== undefined).length;
  assert.ok(alive <= 2, `${alive} of ${passed.length} chunks still reachable`);
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(heapGrowth < 4 * MB, `heap grew by ${(heapGrowth / MB).toFixed(2)} MB`);
});
