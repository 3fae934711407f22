import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { connectNats } from '@wa/pkg/bus';
import { createRedis, waitForRedis } from '@wa/pkg/db';
import { ChatService, createGrpcClient } from '@wa/pkg/grpc';
import { USER_ID_HEADER } from '@wa/pkg/http';
import { createChatDirectory, startGrpcFake, testLogger, testStores } from '@wa/pkg/testing';
import { buildMediaApp } from '../src/app.ts';
import { loadMediaConfig } from '../src/config.ts';
import { openTestMediaStore } from './store-contract.ts';
import { createTestStorage, testStorageSettings } from './test-storage.ts';

export function testConfig(overrides: Record<string, string> = {}) {
  return loadMediaConfig({
    NODE_ENV: 'test',
    REDIS_URL: testStores.redisUrl,
    NATS_URL: testStores.natsUrl,
    S3_ENDPOINT: testStorageSettings.endpoint,
    S3_BUCKET: testStorageSettings.bucket,
    S3_ACCESS_KEY: testStorageSettings.accessKey,
    S3_SECRET_KEY: testStorageSettings.secretKey,
    // A fresh bucket key per test file would take long to set up: a consumer name of its own does.
    NATS_CONSUMER_NAME: `media-test-${randomUUID().slice(0, 8)}`,
    ...overrides,
  });
}

/** One part of a multipart body: a field, or a file whose content may be produced lazily. */
export type FormPart =
  | { name: string; value: string }
  | {
      name: string;
      filename: string;
      contentType?: string;
      content: Uint8Array | (() => AsyncIterable<Uint8Array>);
    };

/** A multipart/form-data body streamed part by part: a 100 MB file is never held at once. */
export function multipartBody(parts: FormPart[]) {
  const boundary = `----wa-test-${randomBytes(8).toString('hex')}`;
  async function* generate(): AsyncIterable<Uint8Array> {
    for (const part of parts) {
      if ('value' in part) {
        yield Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
        );
        continue;
      }
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
          `Content-Type: ${part.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      );
      if (part.content instanceof Uint8Array) yield part.content;
      else yield* part.content();
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    stream: () => Readable.from(generate()),
  };
}

/** `length` bytes of `fill`, produced in 1 MB chunks. */
export function repeated(length: number, fill = 0x61): () => AsyncIterable<Uint8Array> {
  const chunk = Buffer.alloc(1024 * 1024, fill);
  return async function* () {
    for (let sent = 0; sent < length; sent += chunk.length)
      yield chunk.subarray(0, Math.min(chunk.length, length - sent));
  };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A real HTTP request (uploads stream; inject would buffer them), as `userId` via the gateway's header. */
export function send(
  origin: string,
  method: string,
  path: string,
  options: {
    userId?: string;
    contentType?: string;
    body?: Readable;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.userId) headers[USER_ID_HEADER] = options.userId;
    if (options.contentType) headers['content-type'] = options.contentType;
    const req = httpRequest(new URL(path, origin), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: kept as text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body) options.body.pipe(req);
    else req.end();
  });
}

/**
 * A bucket of its own on the tests' S3 server, so a test can see everything its app left there
 * (objects and unfinished multipart uploads) whatever other test files do meanwhile.
 */
export async function createTestBucket() {
  const name = `media-test-${randomUUID().slice(0, 13)}`;
  const client = new S3Client({
    endpoint: testStorageSettings.endpoint,
    region: testStorageSettings.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: testStorageSettings.accessKey,
      secretAccessKey: testStorageSettings.secretKey,
    },
  });
  await client.send(new CreateBucketCommand({ Bucket: name }));
  const leftovers = async () => {
    const [objects, uploads] = await Promise.all([
      client.send(new ListObjectsV2Command({ Bucket: name })),
      client.send(new ListMultipartUploadsCommand({ Bucket: name })),
    ]);
    return {
      objects: (objects.Contents ?? []).map((object) => object.Key ?? ''),
      uploads: (uploads.Uploads ?? []).map((upload) => upload.Key ?? ''),
    };
  };
  return {
    name,
    /** Every object key in the bucket and every multipart upload not completed nor aborted. */
    leftovers,
    async drop() {
      const { objects } = await leftovers();
      if (objects.length)
        await client.send(
          new DeleteObjectsCommand({
            Bucket: name,
            Delete: { Objects: objects.map((Key) => ({ Key })) },
          }),
        );
      await client.send(new DeleteBucketCommand({ Bucket: name })).catch(() => undefined);
      client.destroy();
    },
  };
}

/**
 * A real media app listening on a free port: its own PostgreSQL store, the tests' S3 server,
 * Redis and NATS, and a fake chat-service the test seeds with chats.
 */
export async function startMediaApp(overrides: Record<string, string> = {}) {
  const log = testLogger('media-service');
  const bucket = await createTestBucket();
  const config = testConfig({ S3_BUCKET: bucket.name, ...overrides });
  const opened = await openTestMediaStore('postgres');
  const storage = createTestStorage({ ...config.storage });
  const directory = createChatDirectory();
  const chatFake = await startGrpcFake(ChatService, directory.implementation);
  const redis = createRedis({ url: config.redisUrl, log });
  await waitForRedis(redis);
  const nc = await connectNats({ url: config.nats.url, name: 'media-service-test', log });
  const chats = createGrpcClient(ChatService, { address: chatFake.address, timeoutMs: 1_000 });
  const built = buildMediaApp({
    config,
    store: opened.store,
    storage,
    nc,
    redis,
    chats,
    log,
    consumer: { inactiveThresholdMs: 60_000 },
  });
  await built.http.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(built.http.server.address() as AddressInfo).port}`;

  return {
    ...built,
    config,
    origin,
    store: opened.store,
    storage,
    bucket,
    directory,
    nc,
    /** Uploads `parts` as `userId`. */
    upload: (userId: string, parts: FormPart[]) => {
      const body = multipartBody(parts);
      return send(origin, 'POST', '/api/v1/media/upload', {
        userId,
        contentType: body.contentType,
        body: body.stream(),
      });
    },
    get: (userId: string | undefined, path: string) => send(origin, 'GET', path, { userId }),
    /** A request with a body given whole (not an upload form). */
    send: (
      method: string,
      path: string,
      userId: string | undefined,
      contentType: string,
      body: string,
    ) =>
      send(origin, method, path, { userId, contentType, body: Readable.from([Buffer.from(body)]) }),
    async close() {
      for (const worker of built.workers) await worker.stop();
      await built.http.close();
      await chatFake.close();
      await nc.drain();
      redis.disconnect();
      storage.close();
      await opened.dispose();
      await bucket.drop();
    },
  };
}

export type MediaTestApp = Awaited<ReturnType<typeof startMediaApp>>;
