import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** FFmpeg arguments of a real file of each audio, video and image format (from its test sources). */
export const FFMPEG_SAMPLES = {
  jpeg: ['-f', 'lavfi', '-i', 'testsrc=size=640x480', '-frames:v', '1', '-f', 'mjpeg'],
  png: [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=300x200',
    '-frames:v',
    '1',
    '-c:v',
    'png',
    '-f',
    'image2',
  ],
  webp: [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=200x300',
    '-frames:v',
    '1',
    '-c:v',
    'libwebp',
    '-f',
    'webp',
  ],
  gif: ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=5', '-t', '1', '-f', 'gif'],
  mp4: [
    ...['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=10', '-t', '1.5'],
    ...['-pix_fmt', 'yuv420p', '-c:v', 'mpeg4', '-f', 'mp4'],
  ],
  '3gp': [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=176x144:rate=10',
    '-t',
    '1',
    '-c:v',
    'h263',
    '-f',
    '3gp',
  ],
  mkv: [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=10',
    '-t',
    '1',
    '-c:v',
    'mpeg4',
    '-f',
    'matroska',
  ],
  aac: ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', '-f', 'adts'],
  m4a: ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', '-f', 'ipod'],
  ogg: ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'libvorbis', '-f', 'ogg'],
  opus: ['-f', 'lavfi', '-i', 'sine=duration=2', '-c:a', 'libopus', '-f', 'opus'],
  mp3: ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'libmp3lame', '-f', 'mp3'],
} as const;

export type FfmpegSample = keyof typeof FFMPEG_SAMPLES;

/** Makes real media with FFmpeg (scripts/infra/up.sh installs it) in a directory of its own. */
export async function createMediaMaker() {
  const dir = await mkdtemp(join(tmpdir(), 'media-samples-'));
  let made = 0;
  return {
    async make(format: FfmpegSample, extra: readonly string[] = []): Promise<Buffer> {
      const path = join(dir, `${(made += 1)}.${format}`);
      await run('ffmpeg', ['-v', 'error', '-y', ...FFMPEG_SAMPLES[format], ...extra, path], {
        timeout: 60_000,
      });
      return readFile(path);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
