// Benchmark of media uploads through the gateway (issue 13): POST /api/v1/media/upload with a
// 16 MB JPEG, a 64 MB MP4 (both sequential) and 8 clients uploading a 2 MB JPEG at once. Files are
// real (sharp encodes noise as JPEG, ffmpeg encodes a noisy test pattern as MP4), made once into
// .run/bench/media-fixtures. Figures and method are in docs/benchmarks.md.
// Knobs: BENCH_IMAGE_UPLOADS (20), BENCH_VIDEO_UPLOADS (8), BENCH_CLIENTS (8),
// BENCH_DURATION_SECONDS (20), BENCH_LOG_LEVEL, BENCH_QUIET_WAIT_SECONDS (300, 0 = no wait).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { measureCpu, waitForQuietMachine, type ProcessGroups } from './support/cpu.ts';
import { machineNote, summarise, type LatencySummary } from './support/report.ts';
import {
  benchStackGroups,
  loginUsers,
  startBenchStack,
  type BenchSession,
} from './support/stack.ts';

const IMAGE_UPLOADS = Number(process.env.BENCH_IMAGE_UPLOADS ?? 20);
const VIDEO_UPLOADS = Number(process.env.BENCH_VIDEO_UPLOADS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const QUIET_WAIT_SECONDS = Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? 300);
const MIB = 1024 * 1024;

const fixtures = resolve(import.meta.dirname, '../.run/bench/media-fixtures');

/** Gaussian noise barely compresses: a 4000x3000 JPEG at quality 100 is about 15.4 MiB. */
async function noisyJpeg(name: string, width: number, height: number): Promise<Buffer> {
  const file = resolve(fixtures, name);
  if (!existsSync(file)) {
    const jpeg = await sharp({
      create: {
        width,
        height,
        channels: 3,
        background: { r: 128, g: 128, b: 128 },
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .jpeg({ quality: 100 })
      .toBuffer();
    writeFileSync(file, jpeg);
  }
  return readFileSync(file);
}

/** 10 s of 1280x720 test pattern with noise, MPEG-4 Part 2 at ~48 Mbit/s: about 60 MB. */
function noisyMp4(name: string): Buffer {
  const file = resolve(fixtures, name);
  if (!existsSync(file)) {
    // prettier-ignore
    execFileSync('ffmpeg', [
      '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=30', '-t', '10',
      '-vf', 'noise=alls=40:allf=t', '-c:v', 'mpeg4', '-b:v', '48M', '-minrate', '48M',
      '-maxrate', '48M', '-bufsize', '24M', '-movflags', '+faststart', file,
    ]);
  }
  return readFileSync(file);
}

interface Upload {
  type: 'image' | 'video';
  mime: string;
  filename: string;
  bytes: Buffer;
}

/** One upload as a client sends it (multipart, `type` before `file`); its latency in ms. */
async function upload(gateway: string, session: BenchSession, file: Upload): Promise<number> {
  const form = new FormData();
  form.append('type', file.type);
  form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.mime }), file.filename);
  const started = performance.now();
  const response = await fetch(`${gateway}/api/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: session.authorization },
    body: form,
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await response.json()) as { data?: { thumbnail_url?: string | null } };
  const elapsed = performance.now() - started;
  if (response.status !== 201) {
    throw new Error(`upload answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  if (!body.data?.thumbnail_url) throw new Error('the upload came back without a thumbnail');
  return elapsed;
}

/** VmRSS and VmHWM of a process, in MiB. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/** CPU ticks of a process's waited-for children (ffprobe / ffmpeg of the media-service). */
function childTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]); // cutime + cstime
}

interface Result {
  name: string;
  load: string;
  uploads: number;
  seconds: number;
  latency: LatencySummary;
  /** CPU seconds per upload, by process group. */
  cpuPerUpload: Record<string, number>;
  machineBusyPercent: number;
  memory: { rssBefore: number; rssPeak: number; rssAfter: number; hwmAfter: number };
}

async function main() {
  console.log(`machine: ${process.env.BENCH_MACHINE ?? ''}${machineNote()}`);
  mkdirSync(fixtures, { recursive: true });
  const image: Upload = {
    type: 'image',
    mime: 'image/jpeg',
    filename: 'large.jpg',
    bytes: await noisyJpeg('large-4000x3000.jpg', 4000, 3000),
  };
  const small: Upload = {
    type: 'image',
    mime: 'image/jpeg',
    filename: 'photo.jpg',
    bytes: await noisyJpeg('small-1400x1050.jpg', 1400, 1050),
  };
  const video: Upload = {
    type: 'video',
    mime: 'video/mp4',
    filename: 'clip.mp4',
    bytes: noisyMp4('clip-1280x720-10s.mp4'),
  };
  for (const [file, limit] of [
    [image, 16 * MIB],
    [small, 16 * MIB],
    [video, 64 * MIB],
  ] as const) {
    if (file.bytes.length > limit) throw new Error(`${file.filename} is over its limit`);
    console.log(`${file.filename}: ${(file.bytes.length / MIB).toFixed(2)} MiB`);
  }

  const stack = await startBenchStack(['media-service'], {
    'media-service': { MEDIA_UPLOADS_PER_MINUTE: '100000' },
  });
  try {
    const sessions = await loginUsers(stack.gateway, CLIENTS);
    const mediaPid = stack.pids['media-service'];
    const groups: ProcessGroups = {
      ...benchStackGroups(stack.pids, ['postgres', 'nats', 'redis']),
      versitygw: { command: 'versitygw' },
    };
    const results: Result[] = [];

    const measure = async (
      name: string,
      load: string,
      run: () => Promise<number[]>,
    ): Promise<void> => {
      if (QUIET_WAIT_SECONDS > 0 && !(await waitForQuietMachine(15, QUIET_WAIT_SECONDS)))
        console.warn(`${name}: the machine stayed busy with other work; see "others" below`);
      const before = memoryOf(mediaPid);
      let rssPeak = before.rss;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, memoryOf(mediaPid).rss);
      }, 50);
      const children = childTicks(mediaPid);
      const cpu = measureCpu(groups);
      const started = performance.now();
      const latencies = await run();
      const seconds = (performance.now() - started) / 1_000;
      const report = cpu();
      clearInterval(sampler);
      const after = memoryOf(mediaPid);
      const { machine, ...percent } = report;
      const cpuPerUpload = Object.fromEntries(
        Object.entries(percent).map(([group, value]) => [
          group,
          Math.round(((value / 100) * seconds * 1_000) / latencies.length) / 1_000,
        ]),
      );
      cpuPerUpload['media-service children (ffprobe/ffmpeg)'] =
        Math.round(((childTicks(mediaPid) - children) / 100 / latencies.length) * 1_000) / 1_000;
      const result: Result = {
        name,
        load,
        uploads: latencies.length,
        seconds,
        latency: summarise(latencies),
        cpuPerUpload,
        machineBusyPercent: machine,
        memory: {
          rssBefore: before.rss,
          rssPeak: Math.max(rssPeak, after.rss),
          rssAfter: after.rss,
          hwmAfter: after.hwm,
        },
      };
      results.push(result);
      console.log(JSON.stringify(result, null, 2));
    };

    const sequential = async (file: Upload, count: number) => {
      await upload(stack.gateway, sessions[0], file); // warm-up, not counted
      const latencies: number[] = [];
      for (let i = 0; i < count; i++)
        latencies.push(await upload(stack.gateway, sessions[0], file));
      return latencies;
    };

    await measure(
      `16 MB JPEG (${image.bytes.length} B, 4000x3000)`,
      `${IMAGE_UPLOADS} sequential`,
      () => sequential(image, IMAGE_UPLOADS),
    );
    await measure(
      `64 MB MP4 (${video.bytes.length} B, 1280x720, 10 s)`,
      `${VIDEO_UPLOADS} sequential`,
      () => sequential(video, VIDEO_UPLOADS),
    );
    await measure(
      `2 MB JPEG (${small.bytes.length} B, 1400x1050)`,
      `${CLIENTS} clients closed loop, ${DURATION} s`,
      async () => {
        await Promise.all(sessions.map((session) => upload(stack.gateway, session, small)));
        const latencies: number[] = [];
        const deadline = performance.now() + DURATION * 1_000;
        await Promise.all(
          sessions.map(async (session) => {
            while (performance.now() < deadline)
              latencies.push(await upload(stack.gateway, session, small));
          }),
        );
        return latencies;
      },
    );

    const ms = (value: number) => value.toFixed(0);
    console.log('\n| Scenario | Load | Uploads | Uploads/s | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      const { p50, p95, p99, max } = r.latency;
      console.log(
        `| ${r.name} | ${r.load} | ${r.uploads} | ${(r.uploads / r.seconds).toFixed(2)} | ` +
          `${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ${ms(max)} |`,
      );
    }
    for (const r of results) {
      const cpu = Object.entries(r.cpuPerUpload)
        .map(([group, value]) => `${group} ${value} s`)
        .join(', ');
      const m = r.memory;
      console.log(
        `- ${r.name}: machine ${r.machineBusyPercent} % busy; CPU per upload: ${cpu}; ` +
          `media-service RSS ${m.rssBefore.toFixed(0)} MiB before, peak ${m.rssPeak.toFixed(0)} MiB, ` +
          `${m.rssAfter.toFixed(0)} MiB after, VmHWM ${m.hwmAfter.toFixed(0)} MiB`,
      );
    }
    const dir = resolve(import.meta.dirname, '../.run/bench');
    const saved = resolve(
      dir,
      `media-upload-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(saved, JSON.stringify({ machine: machineNote(), results }, null, 2));
    console.log(`saved ${saved}`);
  } finally {
    await stack.stop();
  }
}

await main();
