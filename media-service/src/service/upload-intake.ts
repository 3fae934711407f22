import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '@wa/pkg/errors';
import { HEAD_BYTES } from '../model/sniff-head.ts';
import { createTextCheck } from '../model/text-check.ts';

/** What the intake learned of an upload while its bytes went by. */
export interface IntakeSummary {
  sizeBytes: number;
  checksumSha256: string;
  /** The first HEAD_BYTES (fewer for a smaller file), for `sniffHead`. */
  head: Uint8Array;
  /** Whether every byte was UTF-8 without NUL: the file may be stored as plain text. */
  plainText: boolean;
}

export const uploadTooLarge = (limitBytes: number) =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    `The file is larger than ${Math.floor(limitBytes / (1024 * 1024))} MB`,
  );

/**
 * The pass-through every upload streams through on its way to S3 (issue 13): it counts, hashes,
 * keeps the first bytes for sniffing and checks for plain text, holding nothing else, so an
 * upload costs the same memory whatever its size. Past `limitBytes` it fails with 413 at once,
 * before passing the byte that broke the limit on: the reader stops and the S3 upload aborts.
 */
export function createUploadIntake(limitBytes: number) {
  const hash = createHash('sha256');
  const text = createTextCheck();
  const head = new Uint8Array(HEAD_BYTES);
  let headLength = 0;
  let size = 0;
  let summary: IntakeSummary | undefined;

  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      size += chunk.length;
      if (size > limitBytes) {
        done(uploadTooLarge(limitBytes));
        return;
      }
      hash.update(chunk);
      text.push(chunk);
      if (headLength < HEAD_BYTES) {
        const taken = chunk.subarray(0, HEAD_BYTES - headLength);
        head.set(taken, headLength);
        headLength += taken.length;
      }
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      summary = {
        sizeBytes: size,
        checksumSha256: hash.digest('hex'),
        head: head.slice(0, headLength),
        plainText: text.end(),
      };
      done();
    },
  });

  return {
    stream,
    /** Once the stream has ended: what it saw. */
    summary(): IntakeSummary {
      if (!summary) throw new Error('the upload has not been read to its end');
      return summary;
    },
  };
}
