// How many concurrent sockets one websocket-service instance holds and what each costs in server
// memory (issue 5; PRD §10.1: 10,000). Clients connect straight to the instance (a gateway in front
// would hold two sockets per client and run out of ephemeral ports to one upstream near 28,000),
// from several loopback source addresses, 200 at a time, with distinct users and real tokens
// validated by the auth-service, presence reported to the user-service and the backlog asked from
// the message-service on each connect. Figures and method in docs/benchmarks.md.
// Memory is read right after the last connect and again once it has settled (garbage from the
// connect bursts collected and returned), every 10 s for BENCH_SETTLE_SECONDS.
// Knobs: BENCH_CONNECTIONS (50000), BENCH_SETTLE_SECONDS (90), BENCH_LOG_LEVEL. Raises its own open-file limit (re-executes
// itself under `ulimit -n`), which needs root or a high hard limit.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { machineNote, summarise } from './support/report.ts';
import { startBenchStack } from './support/stack.ts';
import { freshUserIds, heapUsedBytes, rssBytes, signAccessToken } from './support/ws-load.ts';

const WANTED = Number(process.env.BENCH_CONNECTIONS ?? 50_000);
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 90);
const MIB = 2 ** 20;

/** The open-file limit of this process (the services inherit it): one descriptor per socket. */
function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('Max open files'));
  return Number(line?.split(/\s{2,}/)[1] ?? Infinity);
}

const TARGET = Math.min(WANTED, openFileLimit() - 1_000);
const BATCH = 200;
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const FILES = 4 * WANTED + 10_000;

function raiseFileLimit(): boolean {
  if (process.env.WS_BENCH_CHILD === '1') return false;
  const command = `(ulimit -n ${FILES} 2>/dev/null || ulimit -n $(ulimit -Hn)) && exec "${process.execPath}" "${import.meta.filename}"`;
  const result = spawnSync('bash', ['-c', command], {
    stdio: 'inherit',
    env: { ...process.env, WS_BENCH_CHILD: '1' },
  });
  process.exitCode = result.status ?? 1;
  return true;
}

function open(url: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function main() {
  console.log(`machine: ${machineNote()}`);
  console.log(`target ${TARGET} sockets (asked ${WANTED}, open-file limit ${openFileLimit()})`);
  const stack = await startBenchStack(
    ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    { 'message-service': { GRPC_CLIENT_TIMEOUT_MS: '5000' } },
  );
  const pid = stack.pids['websocket-service'];
  const sockets: WebSocket[] = [];
  try {
    const wsUrl = stack.websocketUrl().replace(/\/ws$/, '');
    const httpOrigin = wsUrl.replace('ws://', 'http://');
    await sleep(3_000);
    const baseline = rssBytes(pid);
    const baselineHeap = await heapUsedBytes(httpOrigin);
    console.log(
      `websocket-service with no sockets: RSS ${(baseline / MIB).toFixed(1)} MiB, V8 heap in use ${(baselineHeap / MIB).toFixed(1)} MiB`,
    );
    const perSocket = (bytes: number, base: number) =>
      `${((bytes - base) / sockets.length / 1024).toFixed(1)} KiB`;
    const users = freshUserIds(TARGET);
    const setup: number[] = [];
    let failures = 0;
    const began = performance.now();
    for (let start = 0; start < TARGET && failures < TARGET / 100; start += BATCH) {
      const tokens = await Promise.all(
        users.slice(start, start + BATCH).map((id) => signAccessToken(id)),
      );
      await Promise.all(
        tokens.map(async (token, i) => {
          const t0 = performance.now();
          try {
            sockets.push(
              await open(`${wsUrl}/ws?token=${token}`, SOURCES[(start + i) % SOURCES.length]),
            );
            setup.push(performance.now() - t0);
          } catch {
            failures += 1;
          }
        }),
      );
      if ((start + BATCH) % 10_000 === 0) {
        const rss = rssBytes(pid);
        console.log(
          `${sockets.length} sockets after ${((performance.now() - began) / 1_000).toFixed(0)} s: RSS ${(rss / 2 ** 20).toFixed(0)} MiB, ` +
            `${((rss - baseline) / sockets.length / 1024).toFixed(1)} KiB per socket above baseline`,
        );
      }
    }
    await sleep(5_000);
    const rss = rssBytes(pid);
    console.log(
      `\nheld ${sockets.length} sockets (${failures} failed); 5 s after the last connect: RSS ` +
        `${(rss / MIB).toFixed(0)} MiB = ${perSocket(rss, baseline)} per socket above the empty process`,
    );
    // RSS right after the bursts still holds their garbage; a held socket costs what stays.
    let settled = rss;
    for (let waited = 0; waited < SETTLE_SECONDS; waited += 10) {
      await sleep(10_000);
      const now = rssBytes(pid);
      const heap = await heapUsedBytes(httpOrigin);
      console.log(
        `  +${waited + 15} s: RSS ${(now / MIB).toFixed(0)} MiB (${perSocket(now, baseline)} per socket), ` +
          `V8 heap in use ${(heap / MIB).toFixed(0)} MiB (${perSocket(heap, baselineHeap)} per socket)`,
      );
      settled = Math.min(settled, now);
    }
    const times = summarise(setup);
    console.log(
      `settled: RSS ${(settled / MIB).toFixed(0)} MiB = ${perSocket(settled, baseline)} per socket above the empty process\n` +
        `connection setup (direct, ${BATCH} concurrent, open incl. ValidateToken): p50 ${times.p50.toFixed(1)} ms, ` +
        `p95 ${times.p95.toFixed(1)} ms, p99 ${times.p99.toFixed(1)} ms, max ${times.max.toFixed(1)} ms`,
    );
  } finally {
    for (const socket of sockets) socket.terminate();
    await stack.stop();
  }
}

if (!raiseFileLimit()) await main();
