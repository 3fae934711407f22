import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

/** S3's smallest part but the last. */
export const PART_BYTES = 5 * 1024 * 1024;

/** Which side failed a streamed put: the body (the intake's 413, a client gone) or S3. */
export class PutFailure extends Error {
  readonly side: 'body' | 's3';
  readonly error: unknown;
  constructor(side: 'body' | 's3', error: unknown) {
    super(`The streamed put failed on the ${side} side`, { cause: error });
    this.side = side;
    this.error = error;
  }
}

export interface StreamedPutTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
}

/**
 * Streams `body` into one object through one reused part buffer. Reading waits while a part is
 * sent, so what is held is one part however large the body (lib-storage's Upload held about
 * 25 MB for 100 MB). A body shorter than a part is one PutObject; on any failure the multipart
 * upload is aborted and nothing is left under the key. Rejects with a `PutFailure`.
 */
export async function streamedPut(
  target: StreamedPutTarget,
  body: Readable,
  partBytes = PART_BYTES,
): Promise<void> {
  const { client, bucket: Bucket, key: Key, contentType: ContentType } = target;
  const s3 = <T>(sending: Promise<T>): Promise<T> =>
    sending.catch((error: unknown) => {
      throw new PutFailure('s3', error);
    });
  const buffer = Buffer.allocUnsafe(partBytes);
  const parts: CompletedPart[] = [];
  let uploadId: string | undefined;
  let filled = 0;

  const sendPart = async (bytes: Buffer) => {
    uploadId ??= (
      await s3(client.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType })))
    ).UploadId;
    const PartNumber = parts.length + 1;
    const answer = await s3(
      client.send(
        new UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber, Body: bytes }),
      ),
    );
    parts.push({ PartNumber, ETag: answer.ETag });
  };

  try {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        for (let offset = 0; offset < chunk.length;) {
          const copied = chunk.copy(buffer, filled, offset);
          offset += copied;
          filled += copied;
          if (filled === partBytes) {
            await sendPart(buffer);
            filled = 0;
          }
        }
      }
    } catch (error) {
      if (error instanceof PutFailure) throw error;
      throw new PutFailure('body', error);
    }
    if (uploadId === undefined) {
      await s3(
        client.send(
          new PutObjectCommand({ Bucket, Key, ContentType, Body: buffer.subarray(0, filled) }),
        ),
      );
      return;
    }
    if (filled > 0) await sendPart(buffer.subarray(0, filled));
    await s3(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
  } catch (failure) {
    if (uploadId !== undefined)
      // Best effort: with S3 down this fails too, and the orphan sweep aborts it later.
      await client
        .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }))
        .catch(() => undefined);
    throw failure;
  }
}
