import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError, serviceUnavailable } from '@wa/pkg/errors';
import type { RandomAccess } from '../model/containers.ts';
import { PutFailure, streamedPut } from './streamed-put.ts';

export interface ObjectStorageSettings {
  /** Where this service reaches the S3 server. */
  endpoint: string;
  /** Where clients reach it: presigned URLs name this host (addenda I, `S3_PUBLIC_URL`). */
  publicEndpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
}

export interface PresignOptions {
  ttlSeconds: number;
  /** The Content-Type served (the sniffed one: the object is stored before it is known). */
  contentType?: string;
  /** Served as an attachment under this name (documents are never rendered inline). */
  attachmentName?: string;
}

/** Pages of unfinished multipart uploads looked at per sweep (1,000 each). */
const MAX_LISTING_PAGES = 10;

/** A failure to reach S3 is 503 (the client retries); S3's own answers keep their meaning. */
function unavailable(error: unknown): never {
  if (error instanceof AppError) throw error;
  throw serviceUnavailable('Media storage is unavailable', error);
}

/**
 * The media bucket, through any S3-compatible server (MinIO, versitygw, AWS): path-style
 * addressing and nothing server-specific.
 */
export function createObjectStorage(settings: ObjectStorageSettings) {
  const common = {
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKey, secretAccessKey: settings.secretKey },
  };
  const client = new S3Client({ ...common, endpoint: settings.endpoint, maxAttempts: 2 });
  // Signing needs no connection: a second client only so the URLs name the public host.
  const signer = new S3Client({ ...common, endpoint: settings.publicEndpoint });
  const Bucket = settings.bucket;

  return {
    /**
     * Streams `body` into `key`. When the body fails (the intake's 413) or S3 does, the multipart
     * upload is aborted and nothing is left under `key`; the body's own error is rethrown.
     */
    async put(key: string, body: Readable, contentType: string): Promise<void> {
      try {
        await streamedPut({ client, bucket: Bucket, key, contentType }, body);
      } catch (failure) {
        if (!(failure instanceof PutFailure)) throw failure;
        // The body's own failure (the intake's 413, a client gone) keeps its meaning.
        if (failure.side === 'body') throw failure.error;
        unavailable(failure.error);
      }
    },

    /** A small object at once (a thumbnail). */
    async putBytes(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
      await client
        .send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentType: contentType }))
        .catch(unavailable);
    },

    /** The stored object read by ranges (a ZIP's or compound file's directory). */
    reader(key: string, size: number): RandomAccess {
      return {
        size,
        async read(offset, length) {
          // Past the end, S3 answers 416: a corrupt container's pointers read as nothing instead.
          if (length <= 0 || offset < 0 || offset >= size) return new Uint8Array();
          const end = Math.min(size, offset + length) - 1;
          const answer = await client
            .send(new GetObjectCommand({ Bucket, Key: key, Range: `bytes=${offset}-${end}` }))
            .catch(unavailable);
          return answer.Body ? answer.Body.transformToByteArray() : new Uint8Array();
        },
      };
    },

    /** A GET URL valid for `ttlSeconds` on the public endpoint. */
    presignedGet(key: string, options: PresignOptions): Promise<string> {
      const disposition = options.attachmentName
        ? `attachment; filename*=UTF-8''${encodeURIComponent(options.attachmentName)}`
        : undefined;
      return getSignedUrl(
        signer,
        new GetObjectCommand({
          Bucket,
          Key: key,
          ResponseContentDisposition: disposition,
          ResponseContentType: options.contentType,
        }),
        { expiresIn: options.ttlSeconds },
      );
    },

    /** A short-lived GET URL on this service's own endpoint, for FFmpeg to read the object by ranges. */
    internalUrl(key: string, ttlSeconds = 300): Promise<string> {
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), {
        expiresIn: ttlSeconds,
      });
    },

    /** The whole object in memory: only for what is bounded and small (an image, at most 16 MB). */
    async bytes(key: string): Promise<Uint8Array> {
      const answer = await client
        .send(new GetObjectCommand({ Bucket, Key: key }))
        .catch(unavailable);
      return answer.Body ? answer.Body.transformToByteArray() : new Uint8Array();
    },

    async remove(keys: readonly string[]): Promise<void> {
      if (!keys.length) return;
      await client
        .send(
          new DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        )
        .catch(unavailable);
    },

    /**
     * Aborts multipart uploads started before `before` and never finished: those whose abort
     * failed while S3 was down (their parts would otherwise stay stored, unseen, forever).
     */
    async abortStaleUploads(before: Date): Promise<number> {
      let aborted = 0;
      let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
      for (let page = 0; page < MAX_LISTING_PAGES; page++) {
        const listing = await client
          .send(new ListMultipartUploadsCommand({ Bucket, ...markers }))
          .catch(unavailable);
        for (const upload of listing.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= before)
            continue;
          await client
            .send(
              new AbortMultipartUploadCommand({
                Bucket,
                Key: upload.Key,
                UploadId: upload.UploadId,
              }),
            )
            .catch(unavailable);
          aborted += 1;
        }
        if (!listing.IsTruncated) break;
        markers = { KeyMarker: listing.NextKeyMarker, UploadIdMarker: listing.NextUploadIdMarker };
      }
      return aborted;
    },

    async ping(): Promise<boolean> {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
        return true;
      } catch {
        return false;
      }
    },

    close: () => {
      client.destroy();
      signer.destroy();
    },
  };
}

export type ObjectStorage = ReturnType<typeof createObjectStorage>;
