import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { FORMATS, type FormatName, type MediaType } from '../src/model/media-formats.ts';
import { startMediaApp, type MediaTestApp } from './helpers.ts';
import { createMediaMaker, type FfmpegSample } from './real-media.ts';
import * as sample from './samples.ts';

let app: MediaTestApp;
let maker: Awaited<ReturnType<typeof createMediaMaker>>;
before(async () => {
  // Every format of the PRD's table in one file: more uploads than a minute allows by default.
  app = await startMediaApp({ MEDIA_UPLOADS_PER_MINUTE: '1000' });
  maker = await createMediaMaker();
});
after(async () => {
  await app?.close();
  await maker?.dispose();
});

interface Expected {
  type: MediaType;
  width?: number;
  height?: number;
  /** Duration within 150 ms. */
  durationMs?: number;
  thumbnail?: [number, number];
}

/** Real media from FFmpeg: each one's type comes from its bytes, and it decodes. */
const MEDIA: [FfmpegSample, FormatName, Expected][] = [
  ['jpeg', 'jpeg', { type: 'image', width: 640, height: 480, thumbnail: [320, 240] }],
  ['png', 'png', { type: 'image', width: 300, height: 200, thumbnail: [320, 213] }],
  ['webp', 'webp', { type: 'image', width: 200, height: 300, thumbnail: [213, 320] }],
  ['gif', 'gif', { type: 'image', width: 160, height: 120, thumbnail: [320, 240] }],
  [
    'mp4',
    'mp4',
    { type: 'video', width: 640, height: 360, durationMs: 1500, thumbnail: [320, 180] },
  ],
  [
    '3gp',
    '3gp',
    { type: 'video', width: 176, height: 144, durationMs: 1000, thumbnail: [320, 262] },
  ],
  [
    'mkv',
    'mkv',
    { type: 'video', width: 320, height: 240, durationMs: 1000, thumbnail: [320, 240] },
  ],
  ['aac', 'aac', { type: 'audio', durationMs: 1000 }],
  ['m4a', 'm4a', { type: 'audio', durationMs: 1000 }],
  ['ogg', 'ogg', { type: 'audio', durationMs: 1000 }],
  ['opus', 'opus', { type: 'audio', durationMs: 2000 }],
  ['mp3', 'mp3', { type: 'audio', durationMs: 1000 }],
];

async function expectStored(bytes: Uint8Array, format: FormatName, expected: Expected) {
  const answer = await app.upload(randomUUID(), [
    { name: 'type', value: expected.type },
    // The name and Content-Type say nothing true: only the bytes count.
    {
      name: 'file',
      filename: 'upload.bin',
      contentType: 'application/octet-stream',
      content: bytes,
    },
  ]);
  assert.equal(answer.status, 201, `${format}: ${JSON.stringify(answer.body)}`);
  const media = answer.body.data;
  assert.equal(media.mime_type, FORMATS[format].mime, format);
  assert.equal(media.size_bytes, bytes.length);
  assert.equal(media.width, expected.width ?? null, `${format} width`);
  assert.equal(media.height, expected.height ?? null, `${format} height`);
  if (expected.durationMs === undefined) assert.equal(media.duration_ms, null, format);
  else
    assert.ok(
      Math.abs(media.duration_ms - expected.durationMs) <= 150,
      `${format}: ${media.duration_ms} ms`,
    );
  if (!expected.thumbnail) return assert.equal(media.thumbnail_url, null, format);
  const thumbnail = Buffer.from(await (await fetch(media.thumbnail_url)).arrayBuffer());
  const meta = await sharp(thumbnail).metadata();
  assert.equal(meta.format, 'jpeg', format);
  assert.deepEqual([meta.width, meta.height], expected.thumbnail, `${format} thumbnail`);
}

for (const [made, format, expected] of MEDIA) {
  test(`a real ${format} file is stored as ${FORMATS[format].mime}`, async () => {
    await expectStored(await maker.make(made), format, expected);
  });
}

/** Documents are containers or text: what is read of them (signatures, directories) is real. */
const DOCUMENTS: [string, () => Uint8Array, FormatName][] = [
  ['pdf', sample.pdf, 'pdf'],
  ['doc', sample.doc, 'doc'],
  ['xls', sample.xls, 'xls'],
  ['ppt', sample.ppt, 'ppt'],
  ['docx', sample.docx, 'docx'],
  ['xlsx', sample.xlsx, 'xlsx'],
  ['pptx', sample.pptx, 'pptx'],
  ['zip', sample.plainZip, 'zip'],
  ['txt', sample.text, 'txt'],
];

for (const [name, build, format] of DOCUMENTS) {
  test(`a ${name} document is stored as ${FORMATS[format].mime}, without a thumbnail`, async () => {
    await expectStored(build(), format, { type: 'document' });
  });
}

test('an MP4 holding only audio (a voice note) is audio; one with video is not', async () => {
  const audioOnly = await maker.make('m4a', ['-f', 'mp4', '-brand', 'isom']);
  await expectStored(audioOnly, 'm4a', { type: 'audio', durationMs: 1000 });
  const video = await maker.make('mp4');
  const refused = await app.upload(randomUUID(), [
    { name: 'type', value: 'audio' },
    { name: 'file', filename: 'clip.mp4', content: video },
  ]);
  assert.equal(refused.status, 415, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
});
