import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppError } from '@wa/pkg/errors';

const run = promisify(execFile);

/** What FFmpeg's probe read from a stored file. */
export interface ProbedMedia {
  width: number | null;
  height: number | null;
  durationMs: number | null;
  hasVideo: boolean;
  hasAudio: boolean;
}

interface ProbeJson {
  streams?: {
    codec_type?: string;
    width?: number;
    height?: number;
    disposition?: { attached_pic?: number };
  }[];
  format?: { duration?: string };
}

/** Longest side of every thumbnail (addenda I). */
export const THUMBNAIL_SIDE = 320;
const TOOL_TIMEOUT_MS = 60_000;

const undecodable = (what: string) =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', `The file could not be decoded as ${what}`);

/**
 * FFmpeg's tools on a stored file, read where it lies (a file path, or a presigned S3 URL, which
 * FFmpeg reads by ranges): nothing is copied into this process. A file FFmpeg cannot read is
 * 415: it claims a format it is not.
 */
export function createMediaProbe(tools = { ffprobe: 'ffprobe', ffmpeg: 'ffmpeg' }) {
  return {
    async probe(source: string, what: string): Promise<ProbedMedia> {
      let stdout: string;
      try {
        ({ stdout } = await run(
          tools.ffprobe,
          ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', source],
          { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
        ));
      } catch {
        throw undecodable(what);
      }
      const json = JSON.parse(stdout) as ProbeJson;
      // Cover art in an audio file is a one-picture "video" stream: not a video.
      const streams = (json.streams ?? []).filter(
        (stream) => stream.disposition?.attached_pic !== 1,
      );
      const video = streams.find((stream) => stream.codec_type === 'video');
      const seconds = Number(json.format?.duration);
      return {
        width: video?.width ?? null,
        height: video?.height ?? null,
        durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : null,
        hasVideo: video !== undefined,
        hasAudio: streams.some((stream) => stream.codec_type === 'audio'),
      };
    },

    /**
     * The first frame as a JPEG whose longest side is THUMBNAIL_SIDE; decoding it is also the
     * proof that the image or video really decodes.
     */
    async thumbnail(source: string, what: string): Promise<Buffer> {
      const box = `scale=${THUMBNAIL_SIDE}:${THUMBNAIL_SIDE}:force_original_aspect_ratio=decrease`;
      const args = ['-v', 'error', '-i', source, '-frames:v', '1', '-vf', box];
      let jpeg: Buffer;
      try {
        ({ stdout: jpeg } = await run(
          tools.ffmpeg,
          [...args, '-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe', 'pipe:1'],
          { timeout: TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'buffer' },
        ));
      } catch {
        throw undecodable(what);
      }
      if (jpeg.length === 0) throw undecodable(what);
      return jpeg;
    },
  };
}

export type MediaProbe = ReturnType<typeof createMediaProbe>;
