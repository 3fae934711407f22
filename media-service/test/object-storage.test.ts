import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { AppError } from '@wa/pkg/errors';
import { freePort } from '@wa/pkg/testing';
import { createUploadIntake } from '../src/service/upload-intake.ts';
import { createTestStorage, testStorageSettings } from './test-storage.ts';

// Against the real S3 server of the tests (versitygw here; MinIO or AWS behave the same).
const settings = testStorageSettings;
const storage = createTestStorage();
const prefix = `test/${randomUUID()}`;
after(async () => {
  storage.close();
});

const MB = 1024 * 1024;
const bytesOf = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 7) % 256));

test('a streamed object reads back by range and through an attachment URL; removed, it is gone', async () => {
  const key = `${prefix}/report`;
  const content = bytesOf(12 * MB + 123); // three multipart parts
  await storage.put(
    key,
    Readable.from([content.subarray(0, 7 * MB), content.subarray(7 * MB)]),
    'application/pdf',
  );
  const reader = storage.reader(key, content.length);
  assert.deepEqual(Buffer.from(await reader.read(0, 16)), content.subarray(0, 16));
  assert.deepEqual(
    Buffer.from(await reader.read(content.length - 100, 500)),
    content.subarray(content.length - 100),
    'a read past the end stops at the end',
  );
  assert.equal(
    (await reader.read(content.length + 10, 5)).length,
    0,
    'a read starting past the end (a corrupt container pointer) is empty, not an S3 416',
  );
  const url = await storage.presignedGet(key, {
    ttlSeconds: 60,
    attachmentName: 'Bericht März.pdf',
  });
  const answer = await fetch(url);
  assert.equal(answer.status, 200);
  assert.match(
    answer.headers.get('content-disposition') ?? '',
    /^attachment; filename\*=UTF-8''Bericht%20M%C3%A4rz\.pdf/,
  );
  assert.deepEqual(Buffer.from(await answer.arrayBuffer()), content);
  await storage.remove([key]);
  assert.equal((await fetch(url)).status, 404);
});

test('an upload cut off at the limit leaves no object and no multipart upload behind', async () => {
  const key = `${prefix}/too-large`;
  const intake = createUploadIntake(6 * MB);
  const source = Readable.from(
    (function* () {
      for (let i = 0; i < 12; i++) yield bytesOf(MB);
    })(),
  );
  source.pipe(intake.stream);
  await assert.rejects(
    storage.put(key, intake.stream, 'video/mp4'),
    (error) => error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE',
  );
  const url = await storage.presignedGet(key, { ttlSeconds: 60 });
  assert.equal((await fetch(url)).status, 404, 'no object');
  const s3 = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKey, secretAccessKey: settings.secretKey },
  });
  try {
    const pending = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: settings.bucket, Prefix: key }),
    );
    assert.deepEqual(pending.Uploads ?? [], [], 'no parts left behind');
  } finally {
    s3.destroy();
  }
});

test('a presigned URL stops working when its time is up', async () => {
  const key = `${prefix}/short-lived`;
  await storage.putBytes(key, bytesOf(100), 'image/jpeg');
  const url = await storage.presignedGet(key, { ttlSeconds: 1 });
  assert.equal((await fetch(url)).status, 200);
  await sleep(2_100); // past the URL's expiry: time itself is what is tested
  assert.equal((await fetch(url)).status, 403);
  await storage.remove([key]);
});

test('an unreachable S3 server is 503, and the bucket check says so', async () => {
  const down = createTestStorage({
    endpoint: `http://127.0.0.1:${await freePort()}`,
  });
  try {
    await assert.rejects(
      down.put(`${prefix}/never`, Readable.from([bytesOf(10)]), 'image/png'),
      (error) => error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE',
    );
    assert.equal(await down.ping(), false);
    assert.equal(await storage.ping(), true);
  } finally {
    down.close();
  }
});
