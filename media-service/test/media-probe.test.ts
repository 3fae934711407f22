import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '@wa/pkg/errors';
import { createMediaProbe, THUMBNAIL_SIDE } from '../src/repository/media-probe.ts';
import { sniffHead } from '../src/model/sniff-head.ts';
import * as sample from './samples.ts';

const run = promisify(execFile);
const probe = createMediaProbe();
let dir = '';

/** Real media made by FFmpeg from its test sources (scripts/infra/up.sh installs it). */
async function generate(name: string, ...args: string[]): Promise<string> {
  const path = join(dir, name);
  await run('ffmpeg', ['-v', 'error', '-y', ...args, path], { timeout: 60_000 });
  return path;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-probe-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const refused = (error: unknown) =>
  error instanceof AppError && error.code === 'UNSUPPORTED_MEDIA_TYPE';

test('a video gives its size, duration and a first-frame thumbnail 320 px on its longest side', async () => {
  const video = await generate(
    'clip.mp4',
    ...['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=10', '-t', '1.5'],
    ...['-pix_fmt', 'yuv420p', '-c:v', 'mpeg4'],
  );
  const probed = await probe.probe(video, 'video');
  assert.equal(probed.width, 640);
  assert.equal(probed.height, 360);
  assert.equal(probed.hasVideo, true);
  assert.ok(
    probed.durationMs !== null && Math.abs(probed.durationMs - 1500) <= 100,
    `${probed.durationMs} ms`,
  );
  const thumbnail = await probe.thumbnail(video, 'video');
  const head = sniffHead(thumbnail);
  assert.deepEqual(head, { kind: 'format', format: 'jpeg' });
  const thumbFile = join(dir, 'thumb.jpg');
  await writeFile(thumbFile, thumbnail);
  const size = await probe.probe(thumbFile, 'image');
  assert.deepEqual([size.width, size.height], [THUMBNAIL_SIDE, 180]);
});

test('a tall image is thumbnailed to 320 px high', async () => {
  const image = await generate(
    'tall.png',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=500x1000',
    '-frames:v',
    '1',
  );
  const thumbFile = join(dir, 'tall-thumb.jpg');
  await writeFile(thumbFile, await probe.thumbnail(image, 'image'));
  const size = await probe.probe(thumbFile, 'image');
  assert.deepEqual([size.width, size.height], [160, THUMBNAIL_SIDE]);
});

test('audio gives its duration and no picture', async () => {
  const audio = await generate(
    'note.ogg',
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libopus'],
  );
  const probed = await probe.probe(audio, 'audio');
  assert.equal(probed.hasAudio, true);
  assert.equal(probed.hasVideo, false);
  assert.ok(
    probed.durationMs !== null && Math.abs(probed.durationMs - 2000) <= 100,
    `${probed.durationMs} ms`,
  );
});

test('a file with a valid signature that does not decode is 415', async () => {
  const fake = join(dir, 'fake.mp4');
  await writeFile(fake, sample.isoMedia('isom', 'isom', 'mp41')); // an ftyp box, then noise
  await assert.rejects(probe.probe(fake, 'video'), refused);
  await assert.rejects(probe.thumbnail(fake, 'video'), refused);
  const fakeJpeg = join(dir, 'fake.jpg');
  await writeFile(fakeJpeg, sample.jpeg());
  await assert.rejects(probe.thumbnail(fakeJpeg, 'image'), refused);
});
