// Delivery latency of the websocket-service (issue 5): 1,000 users connected through the gateway,
// each paired with another in a direct chat; messages are sent with `message.send` at a fixed
// rate (open loop) and the latency is the time from the scheduled send to the recipient's
// `message.new`. Also measures connection setup through the gateway. `make bench` runs it;
// figures and method are in docs/benchmarks.md (## websocket-service).
// Knobs: BENCH_USERS (1000), BENCH_RATES (500,1000), BENCH_DURATION_SECONDS (20), BENCH_LOG_LEVEL,
// BENCH_ACK (0: recipients do not send message.delivered; 1: they ack each message),
// BENCH_READ (0; 1: recipients also read each message, `message.read` up to it, as an open chat does),
// BENCH_CONNECT_RATE (50: connects per second for the steady half of the sockets).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectNats, eventMeta, jetstream, publishEvent, type JetStreamClient } from '@wa/pkg/bus';
import { createPgPool, type PgPool } from '@wa/pkg/db';
import { testLogger, testStores } from '@wa/pkg/testing';
import { TestSocket } from '@wa/pkg/testing';
import { measureCpu, type ProcessGroups } from './support/cpu.ts';
import { monotonicUs, recordProfileWindow } from './support/cpu-profile.ts';
import { measurePgWork, pgWorkLine, type PgWork } from './support/pg-stats.ts';
import { machineNote, summarise, type LatencySummary } from './support/report.ts';
import { seedDirectChats, seedHistory } from './support/seed.ts';
import { benchStackGroups, benchStores, startBenchStack } from './support/stack.ts';
import { signAccessToken } from './support/ws-load.ts';

const USERS = Number(process.env.BENCH_USERS ?? 1_000);
const RATES = (process.env.BENCH_RATES ?? '500,1000').split(',').map(Number);
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const ACK = process.env.BENCH_ACK === '1';
const READ = process.env.BENCH_READ === '1';
const CONNECT_RATE = Number(process.env.BENCH_CONNECT_RATE ?? 50);
/** Old messages in every chat before the run: a deployment that has been running has history. */
const HISTORY_PER_CHAT = Number(process.env.BENCH_HISTORY_PER_CHAT ?? 100);
/**
 * `send` (default): clients send `message.send` (gateway → websocket-service → message-service →
 * outbox → NATS → websocket-service → Redis → gateway → recipient). `bus`: the load generator
 * publishes `msg.new` straight to JetStream, which isolates the fan-out path from the
 * message-service and its store.
 */
const SOURCE = process.env.BENCH_SOURCE === 'bus' ? 'bus' : 'send';
const WARMUP_SECONDS = 5;
const IDLE_SECONDS = 10;
const DRAIN_SECONDS = 15;

interface SeedUser {
  id: string;
  chatId: string;
  partnerId: string;
}

interface Peer {
  userId: string;
  chatId: string;
  partnerId: string;
  socket: TestSocket;
}

async function seed(count: number, messageStore: boolean): Promise<SeedUser[]> {
  const pool = createPgPool({ url: benchStores.DATABASE_URL, log: testLogger('bench') });
  try {
    const pairs = await seedDirectChats(pool, Math.floor(count / 2), '+49153');
    await seedHistory(pool, pairs, HISTORY_PER_CHAT, { messageStore });
    return pairs.flatMap((pair) => [
      { id: pair.first, chatId: pair.chatId, partnerId: pair.second },
      { id: pair.second, chatId: pair.chatId, partnerId: pair.first },
    ]);
  } finally {
    await pool.end();
  }
}

/**
 * Opens the first half of the sockets 50 at a time (a burst: the figure is mostly queueing), the
 * rest at a steady CONNECT_RATE per second (open loop: each connect's time from its scheduled
 * start, as a reconnecting fleet of phones would see it).
 */
async function connectAll(gateway: string, users: SeedUser[], groups: ProcessGroups) {
  const burst: number[] = [];
  const steady: number[] = [];
  const peers: Peer[] = [];
  const wsOrigin = gateway.replace('http://', 'ws://');
  const connect = async (user: SeedUser, began: number, into: number[]) => {
    const token = await signAccessToken(user.id);
    const socket = await TestSocket.open(`${wsOrigin}/ws?token=${token}`);
    await socket.request('ping', {});
    into.push(performance.now() - began);
    peers.push({ userId: user.id, chatId: user.chatId, partnerId: user.partnerId, socket });
  };
  const half = Math.floor(users.length / 2);
  for (let start = 0; start < half; start += 50)
    await Promise.all(
      users
        .slice(start, Math.min(start + 50, half))
        .map((user) => connect(user, performance.now(), burst)),
    );
  const rest = users.slice(half);
  const cpu = measureCpu(groups);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < rest.length; i++) {
    const due = start + (i * 1_000) / CONNECT_RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(connect(rest[i], due, steady));
  }
  await Promise.all(pending);
  return { peers, burst: summarise(burst), steady: summarise(steady), steadyCpu: cpu() };
}

interface RunResult extends LatencySummary {
  rate: number;
  sent: number;
  acked: number;
  delivered: number;
  /** Never reached the recipient: refused (an error frame) or still in flight after the drain. */
  notDelivered: number;
  /** Answered `message.sent` yet never reached the recipient: must be 0. */
  ackedNotDelivered: number;
  errors: number;
  errorCodes: Record<string, number>;
  ackLatency: LatencySummary;
  /** Messages whose sender heard `delivered` (or `read`, which implies it) / `read` for them. */
  confirmed: { delivered: number; read: number };
  cpu: Record<string, number>;
  /**
   * From the first send to the last delivery and, with acks or reads, the last status frame they
   * owe the sender (or the drain's end): the window `cpu` covers.
   */
  cpuSeconds: number;
  /** p99 of the deliveries of each second's sends, in ms. */
  p99BySecond: number[];
  /** The load generator's longest event-loop stall in each second, in ms. */
  generatorStallBySecond: number[];
  pg: PgWork;
}

let js: JetStreamClient | undefined;

/**
 * Which messages' senders have heard `delivered` or `read`. A read is cumulative: `read` about a
 * message confirms the earlier ones its reader received in that chat too (their own event may
 * never come, when a later read overtook it).
 */
function createStatusTally() {
  const received = new Map<string, { reader: string; seq: number }>();
  const delivered = new Set<string>();
  const readUpTo = new Map<string, number>();
  const seqOf = (body: string) => Number(body.slice(body.lastIndexOf('-') + 1));
  return {
    received(messageId: string, reader: string, body: string) {
      received.set(messageId, { reader, seq: seqOf(body) });
    },
    status(messageId: string, status: string) {
      const message = received.get(messageId);
      if (!message) return;
      if (status === 'delivered') delivered.add(messageId);
      if (status === 'read')
        readUpTo.set(message.reader, Math.max(readUpTo.get(message.reader) ?? -1, message.seq));
    },
    confirmed(): { delivered: number; read: number } {
      let read = 0;
      let deliveredOrRead = 0;
      for (const [messageId, { reader, seq }] of received) {
        const isRead = (readUpTo.get(reader) ?? -1) >= seq;
        if (isRead) read += 1;
        if (isRead || delivered.has(messageId)) deliveredOrRead += 1;
      }
      return { delivered: deliveredOrRead, read };
    },
  };
}

/** Each process's CPU above what it used idle (never below 0); `others` and `machine` as measured. */
function aboveIdle(cpu: Record<string, number>, idle: Record<string, number>) {
  return Object.fromEntries(
    Object.entries(cpu).map(([name, value]) => [
      name,
      name === 'others' || name === 'machine' ? value : Math.max(0, value - (idle[name] ?? 0)),
    ]),
  );
}

/**
 * CPU time per delivered message by process, from the % of one core over the send window and the
 * delivered rate; `others` (the rest of the machine) is left out of `all`.
 */
function cpuPerMessage(cpu: Record<string, number>, deliveredPerSecond: number): string {
  const perMessage = (percent: number) => (percent * 10) / deliveredPerSecond;
  const processes = Object.entries(cpu).filter(([name]) => name !== 'machine');
  const all = processes
    .filter(([name]) => !['others', 'load generator', 'postgres'].includes(name))
    .reduce((sum, [, value]) => sum + value, 0);
  return [
    ...processes.map(([name, value]) => `${name} ${perMessage(value).toFixed(3)}`),
    `all services and stores ${perMessage(all).toFixed(3)}`,
  ].join(', ');
}

async function run(
  peers: Peer[],
  rate: number,
  seconds: number,
  groups: ProcessGroups,
  tag: string,
  pool: PgPool,
): Promise<RunResult> {
  const scheduled = new Map<string, number>();
  const latencies: number[] = [];
  // Each delivery's latency by the second of its scheduled send: a tail from one stall shows as
  // one slow second, a tail spread over the run as many.
  const bySecond: number[][] = [];
  const ackLatencies: number[] = [];
  const ackedKeys = new Set<string>();
  const statuses = createStatusTally();
  let errors = 0;
  const errorCodes: Record<string, number> = {};
  const listeners = peers.map((peer) => (frame: { event: string; data: unknown }) => {
    if (frame.event === 'message.new') {
      const data = frame.data as { message_id: string; payload: { body?: string } };
      const at = scheduled.get(data.payload.body ?? '');
      if (at !== undefined) {
        const latency = performance.now() - at;
        latencies.push(latency);
        (bySecond[Math.floor((at - start) / 1_000)] ??= []).push(latency);
        scheduled.delete(data.payload.body!);
      }
      statuses.received(data.message_id, `${peer.chatId}:${peer.userId}`, data.payload.body ?? '');
      if (ACK) peer.socket.send('message.delivered', { message_ids: [data.message_id] });
      if (READ)
        peer.socket.send('message.read', {
          chat_id: peer.chatId,
          up_to_message_id: data.message_id,
        });
    } else if (frame.event === 'message.status') {
      const data = frame.data as { message_id: string; status: string };
      statuses.status(data.message_id, data.status);
    } else if (frame.event === 'message.sent') {
      const key = (frame.data as { client_msg_id: string }).client_msg_id;
      const at = scheduled.get(`s:${key}`);
      if (at !== undefined) {
        ackLatencies.push(performance.now() - at);
        ackedKeys.add(key);
      }
    } else if (frame.event === 'error') {
      errors += 1;
      const code = String((frame.data as { code: number }).code);
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    }
  });
  peers.forEach((peer, index) => peer.socket.onFrame(listeners[index]));
  const detach = () => peers.forEach((peer, index) => peer.socket.offFrame(listeners[index]));

  const total = Math.round(rate * seconds);
  const pgWork = await measurePgWork(pool);
  const cpu = measureCpu(groups);
  const start = performance.now();
  const startUs = monotonicUs();
  // The load generator's own stalls, per second: a late timer here delays sends and receipts
  // alike, and shows in the latencies as a slow second that no service caused.
  const stallBySecond: number[] = [];
  let tickAt = start;
  const stallProbe = setInterval(() => {
    const now = performance.now();
    const second = Math.floor((now - start) / 1_000);
    stallBySecond[second] = Math.max(stallBySecond[second] ?? 0, now - tickAt - 10);
    tickAt = now;
  }, 10);
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1_000) * rate) + 1);
    for (; sent < due; sent++) {
      const peer = peers[sent % peers.length];
      const key = `${tag}-${sent}`;
      const at = start + (sent * 1_000) / rate;
      scheduled.set(key, at);
      scheduled.set(`s:${key}`, at);
      if (SOURCE === 'send') {
        peer.socket.send('message.send', {
          chat_id: peer.chatId,
          client_msg_id: key,
          type: 'text',
          payload: { body: key },
        });
      } else {
        void publishEvent(js!, 'msg.new', {
          ...eventMeta(),
          message_id: randomUUID(),
          chat_id: peer.chatId,
          sender_id: peer.userId,
          type: 'text',
          payload: { body: key },
          recipient_ids: [peer.partnerId],
        }).catch(() => (errors += 1));
      }
    }
    await sleep(2);
  }
  // CPU counts until the last delivery and the last status the acks and reads owe the senders,
  // so work still queued when the sends stop is not left out.
  const drainEnd = performance.now() + DRAIN_SECONDS * 1_000;
  const settled = () => {
    const confirmed = statuses.confirmed();
    return (
      latencies.length >= total &&
      (!ACK || confirmed.delivered >= total) &&
      (!READ || confirmed.read >= total)
    );
  };
  while (!settled() && errors < total && performance.now() < drainEnd) await sleep(20);
  clearInterval(stallProbe);
  const cpuReport = cpu();
  const cpuSeconds = (performance.now() - start) / 1_000;
  recordProfileWindow(process.env.BENCH_CPU_PROFILE_DIR, {
    name: tag,
    startUs,
    endUs: monotonicUs(),
  });
  await sleep(1_000); // frames still on their way (acks' status frames) before the listeners go
  detach();
  for (const peer of peers) peer.socket.frames.length = 0;
  const undelivered = [...scheduled.keys()].filter((key) => !key.startsWith('s:'));
  return {
    rate,
    sent: total,
    acked: ackLatencies.length,
    delivered: latencies.length,
    notDelivered: undelivered.length,
    ackedNotDelivered: undelivered.filter((key) => ackedKeys.has(key)).length,
    errors,
    errorCodes,
    ...summarise(latencies),
    ackLatency: summarise(ackLatencies),
    confirmed: statuses.confirmed(),
    cpu: cpuReport,
    cpuSeconds,
    p99BySecond: Array.from(bySecond, (second) => summarise(second ?? []).p99),
    generatorStallBySecond: Array.from(stallBySecond, (stall) => stall ?? 0),
    pg: await pgWork(),
  };
}

async function main() {
  console.log(`machine: ${machineNote()}`);
  const stack = await startBenchStack(
    ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    { 'message-service': { GRPC_CLIENT_TIMEOUT_MS: '5000' } },
  );
  const groups = benchStackGroups(stack.pids, ['nats', 'redis', 'ferretdb', 'postgres']);

  const nc = await connectNats({
    url: testStores.natsUrl,
    name: 'ws-bench',
    log: testLogger('bench'),
  });
  js = jetstream(nc);
  const pool = createPgPool({ url: benchStores.DATABASE_URL, max: 1, log: testLogger('bench') });
  try {
    const users = await seed(USERS, stack.stores.MESSAGE_STORE_URL.startsWith('postgres'));
    const { peers, burst, steady, steadyCpu } = await connectAll(stack.gateway, users, groups);
    const line = (s: LatencySummary) =>
      `p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
    console.log(
      `connection setup through the gateway (open + first pong): first half 50 at a time: ${line(burst)}; ` +
        `second half at ${CONNECT_RATE}/s: ${line(steady)}\n  cpu while connecting at ${CONNECT_RATE}/s (% of one core): ${Object.entries(
          steadyCpu,
        )
          .map(([name, value]) => `${name} ${value}`)
          .join(', ')}`,
    );
    await run(peers, Math.min(...RATES), WARMUP_SECONDS, groups, 'warmup', pool);
    await sleep(11_000); // a fresh rate-limit window for every user
    // What the processes spend with everyone connected and no message, to tell it apart from
    // the cost of the messages (heartbeats, outbox polling, presence refreshes).
    const idle = measureCpu(groups);
    await sleep(IDLE_SECONDS * 1_000);
    const idleCpu = idle();
    console.log(
      `\nidle for ${IDLE_SECONDS} s with ${peers.length} users connected (% of one core): ${Object.entries(
        idleCpu,
      )
        .map(([name, value]) => `${name} ${value}`)
        .join(', ')}`,
    );
    for (const [index, rate] of RATES.entries()) {
      // The tag starts every client_msg_id: a rate run twice must not resend the first run's ids
      // (the message-service would answer them as duplicates, and nothing would be delivered).
      const result = await run(peers, rate, DURATION, groups, `r${index}-${rate}`, pool);
      console.log(
        `\n${rate} messages/s for ${DURATION} s among ${peers.length} users (source ${SOURCE}, acks ${ACK ? 'on' : 'off'}, reads ${READ ? 'on' : 'off'}): ` +
          `delivered ${result.delivered}/${result.sent}, senders told delivered ${result.confirmed.delivered} and read ${result.confirmed.read}, not delivered ${result.notDelivered} (of them acknowledged with message.sent: ${result.ackedNotDelivered}), errors ${JSON.stringify(result.errorCodes)}\n` +
          `  send → recipient message.new: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, ` +
          `p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms\n` +
          `  send → sender message.sent: p50 ${result.ackLatency.p50.toFixed(1)} ms, p99 ${result.ackLatency.p99.toFixed(1)} ms\n` +
          `  message.new p99 by second of the send (ms): ${result.p99BySecond.map((p99) => p99.toFixed(0)).join(' ')}\n` +
          `  load generator's longest stall by second (ms): ${result.generatorStallBySecond.map((stall) => stall.toFixed(0)).join(' ')}\n` +
          `  cpu (% of one core, over ${result.cpuSeconds.toFixed(1)} s from the first send to the last delivery and status): ${Object.entries(
            result.cpu,
          )
            .map(([name, value]) => `${name} ${value}`)
            .join(', ')}\n` +
          `  cpu per delivered message (ms): ${cpuPerMessage(result.cpu, result.delivered / result.cpuSeconds)}\n` +
          `  of it above idle (ms): ${cpuPerMessage(aboveIdle(result.cpu, idleCpu), result.delivered / result.cpuSeconds)}\n` +
          `  ${pgWorkLine(result.pg, result.delivered)}`,
      );
      await sleep(11_000);
    }
    for (const peer of peers) peer.socket.ws.terminate();
    // Its sessions close (1,000 offline reports) before SIGTERM, which would otherwise outlast the
    // stop's 5 s and end in SIGKILL, before a CPU profile is written.
    await sleep(10_000);
  } finally {
    await pool.end();
    await stack.stop();
    await nc.drain();
  }
}

await main();
