import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { startMediaApp, type MediaTestApp } from './helpers.ts';
import * as sample from './samples.ts';

let app: MediaTestApp;
before(async () => {
  app = await startMediaApp();
});
after(async () => {
  await app?.close();
});

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();

test('an image is stored with its size, checksum and a 320 px JPEG thumbnail, and reads back', async () => {
  const user = randomUUID();
  const image = await png(1000, 500);
  const answer = await app.upload(user, [
    { name: 'type', value: 'image' },
    { name: 'file', filename: 'beach.png', contentType: 'image/png', content: image },
  ]);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  const media = answer.body.data;
  assert.equal(media.type, 'image');
  assert.equal(media.mime_type, 'image/png');
  assert.equal(media.size_bytes, image.length);
  assert.equal(media.width, 1000);
  assert.equal(media.height, 500);
  assert.equal(media.original_filename, 'beach.png');
  const stored = Buffer.from(await (await fetch(media.url)).arrayBuffer());
  assert.deepEqual(stored, image);
  const thumb = await sharp(
    Buffer.from(await (await fetch(media.thumbnail_url)).arrayBuffer()),
  ).metadata();
  assert.equal(thumb.format, 'jpeg');
  assert.deepEqual([thumb.width, thumb.height], [320, 160]);
  const again = await app.get(user, `/api/v1/media/${media.media_id}`);
  assert.equal(again.status, 200);
  assert.equal(again.body.data.checksum_sha256, media.checksum_sha256);
  void sample;
});
