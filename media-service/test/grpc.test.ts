import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { MediaService, createGrpcClient, createGrpcServer, type Client } from '@wa/pkg/grpc';
import { testLogger } from '@wa/pkg/testing';
import sharp from 'sharp';
import { startMediaApp, type MediaTestApp } from './helpers.ts';
import * as sample from './samples.ts';

let app: MediaTestApp;
let server: ReturnType<typeof createGrpcServer>;
let client: Client<typeof MediaService>;

before(async () => {
  app = await startMediaApp();
  server = createGrpcServer({ routes: app.grpc, log: testLogger() });
  const port = await server.listen(0, '127.0.0.1');
  client = createGrpcClient(MediaService, { address: `127.0.0.1:${port}` });
});
after(async () => {
  await server?.close();
  await app?.close();
});

async function rejectsWith(call: Promise<unknown>, code: Code) {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

test('GetMediaMetadata answers any upload with its uploader, metadata and fresh URLs', async () => {
  const uploader = randomUUID();
  const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#000' } })
    .jpeg()
    .toBuffer();
  const uploaded = await app.upload(uploader, [
    { name: 'type', value: 'image' },
    { name: 'file', filename: 'cat.jpg', content: image },
  ]);
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  const media = await client.getMediaMetadata({ mediaId: uploaded.body.data.media_id });
  assert.equal(media.uploaderId, uploader);
  assert.equal(media.fileType, 'image');
  assert.equal(media.mimeType, 'image/jpeg');
  assert.equal(media.sizeBytes, BigInt(image.length));
  assert.deepEqual([media.width, media.height, media.durationMs], [40, 30, undefined]);
  assert.equal(media.originalFilename, 'cat.jpg');
  assert.equal((await fetch(media.url)).status, 200);
  assert.equal((await fetch(media.thumbnailUrl)).status, 200);

  const document = await app.upload(uploader, [
    { name: 'type', value: 'document' },
    { name: 'file', filename: 'a.txt', content: sample.text() },
  ]);
  const text = await client.getMediaMetadata({ mediaId: document.body.data.media_id });
  assert.deepEqual([text.width, text.height, text.thumbnailUrl], [undefined, undefined, '']);
});

test('GetMediaMetadata is NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed one', async () => {
  await rejectsWith(client.getMediaMetadata({ mediaId: randomUUID() }), Code.NotFound);
  await rejectsWith(client.getMediaMetadata({ mediaId: 'nope' }), Code.InvalidArgument);
});
