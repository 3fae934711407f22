// Fan-out to a full-size group (issue 12, PRD addenda G): 256 members in one group chat, all
// connected by WebSocket through the gateway; one member at a time (rotating) sends
// `message.send` every BENCH_INTERVAL_MS, and each recipient's `message.new` is timed from the
// scheduled send. Recipients answer `message.delivered` for each message, as real clients do.
// Figures and method are in docs/benchmarks.md (## Message stores: history and a 256-member group
// (issue 12)). The message store is the stack's: PostgreSQL, or MongoDB with
// TEST_MESSAGE_STORE=mongodb (FerretDB here).
// Knobs: BENCH_MEMBERS (256), BENCH_INTERVAL_MS (500), BENCH_DURATION_SECONDS (20),
// BENCH_ACK (1: recipients send message.delivered; 0: they do not), BENCH_LOG_LEVEL.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPgPool } from '@wa/pkg/db';
import { makeGroupChat, testLogger, testStores, TestSocket } from '@wa/pkg/testing';
import { measureCpu, waitForQuietMachine, type ProcessGroups } from './support/cpu.ts';
import { machineNote, summarise, type LatencySummary } from './support/report.ts';
import { benchStackGroups, benchStores, startBenchStack } from './support/stack.ts';
import { signAccessToken } from './support/ws-load.ts';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 256);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 500);
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const ACK = process.env.BENCH_ACK !== '0';
const DRAIN_SECONDS = 10;
const STORE = testStores.messageStore === 'mongodb' ? 'mongodb' : 'postgres';

interface Member {
  userId: string;
  socket: TestSocket;
}

/** MEMBERS fresh users and one group of them all, the first as admin, straight to PostgreSQL. */
async function seedGroup(): Promise<{ chatId: string; userIds: string[] }> {
  const pool = createPgPool({ url: benchStores.DATABASE_URL, max: 1, log: testLogger('bench') });
  try {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO users (phone, display_name)
       SELECT '+49155' || lpad(g::text, 8, '0'), 'Member ' || g FROM generate_series(1, $1) AS g
       RETURNING id`,
      [MEMBERS],
    );
    const userIds = rows.map((row) => row.id);
    const chat = await makeGroupChat(pool, {
      createdBy: userIds[0],
      memberIds: userIds.slice(1),
      name: 'Bench group',
    });
    return { chatId: chat.id, userIds };
  } finally {
    await pool.end();
  }
}

/** Connects every member through the gateway, 32 at a time, each answering a first ping. */
async function connectAll(gateway: string, userIds: string[]): Promise<Member[]> {
  const origin = gateway.replace('http://', 'ws://');
  const members: Member[] = [];
  for (let start = 0; start < userIds.length; start += 32)
    members.push(
      ...(await Promise.all(
        userIds.slice(start, start + 32).map(async (userId) => {
          const socket = await TestSocket.open(
            `${origin}/ws?token=${await signAccessToken(userId)}`,
          );
          await socket.request('ping', {});
          return { userId, socket };
        }),
      )),
    );
  return members;
}

interface RunResult {
  sent: number;
  acked: number;
  expected: number;
  delivered: number;
  /** Every recipient delivery, send → message.new. */
  deliveries: LatencySummary;
  /** Per message: send → the last of its recipients' message.new (messages that reached all). */
  lastRecipient: LatencySummary;
  reachedAll: number;
  ackLatency: LatencySummary;
  errorCodes: Record<string, number>;
  cpu: Record<string, number>;
}

async function run(
  members: Member[],
  chatId: string,
  count: number,
  tag: string,
  groups: ProcessGroups,
): Promise<RunResult> {
  const sentAt = new Map<string, { at: number; sender: string; received: number; last: number }>();
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  const errorCodes: Record<string, number> = {};
  const listeners = members.map((member) => (frame: { event: string; data: unknown }) => {
    if (frame.event === 'message.new') {
      const data = frame.data as { message_id: string; payload: { body?: string } };
      const sent = sentAt.get(data.payload.body ?? '');
      if (sent && sent.sender !== member.userId) {
        const latency = performance.now() - sent.at;
        latencies.push(latency);
        sent.received += 1;
        sent.last = Math.max(sent.last, latency);
      }
      if (ACK) member.socket.send('message.delivered', { message_ids: [data.message_id] });
    } else if (frame.event === 'message.sent') {
      const key = (frame.data as { client_msg_id: string }).client_msg_id;
      const sent = sentAt.get(key);
      if (sent) ackLatencies.push(performance.now() - sent.at);
    } else if (frame.event === 'error') {
      const code = String((frame.data as { code: number }).code);
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    }
  });
  members.forEach((member, i) => member.socket.onFrame(listeners[i]));

  const cpu = measureCpu(groups);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + i * INTERVAL_MS - performance.now();
    if (wait > 0) await sleep(wait);
    const sender = members[i % members.length];
    const key = `${tag}-${i}`;
    sentAt.set(key, { at: start + i * INTERVAL_MS, sender: sender.userId, received: 0, last: 0 });
    sender.socket.send('message.send', {
      chat_id: chatId,
      client_msg_id: key,
      type: 'text',
      payload: { body: key },
    });
  }
  const remaining = start + count * INTERVAL_MS - performance.now();
  if (remaining > 0) await sleep(remaining);
  const cpuReport = cpu();
  await sleep(DRAIN_SECONDS * 1_000);
  members.forEach((member, i) => member.socket.offFrame(listeners[i]));
  for (const member of members) member.socket.frames.length = 0;

  const complete = [...sentAt.values()].filter((sent) => sent.received === members.length - 1);
  return {
    sent: count,
    acked: ackLatencies.length,
    expected: count * (members.length - 1),
    delivered: latencies.length,
    deliveries: summarise(latencies),
    lastRecipient: summarise(complete.map((sent) => sent.last)),
    reachedAll: complete.length,
    ackLatency: summarise(ackLatencies),
    errorCodes,
    cpu: cpuReport,
  };
}

const line = (s: LatencySummary) =>
  `p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;

async function main() {
  console.log(`machine: ${machineNote()}`);
  const stack = await startBenchStack(
    ['user-service', 'chat-service', 'message-service', 'websocket-service'],
    { 'message-service': { GRPC_CLIENT_TIMEOUT_MS: '5000' } },
  );
  const groups = benchStackGroups(stack.pids, [
    'nats',
    'redis',
    ...(STORE === 'mongodb' ? ['ferretdb' as const] : []),
    'postgres',
  ]);

  try {
    const { chatId, userIds } = await seedGroup();
    const connectStart = performance.now();
    const members = await connectAll(stack.gateway, userIds);
    console.log(
      `${members.length} members connected through the gateway in ${((performance.now() - connectStart) / 1_000).toFixed(1)} s; message store ${STORE}, acks ${ACK ? 'on' : 'off'}`,
    );
    await sleep(3_000);
    const warm = await run(members, chatId, 6, 'warmup', groups);
    console.log(`warm-up: ${warm.delivered}/${warm.expected} delivered`);
    await sleep(11_000); // a fresh rate-limit window for every sender
    // Other work on this machine skews every figure: wait up to 2 minutes for it to calm down.
    if (!(await waitForQuietMachine(40, 120)))
      console.warn('the machine stayed above 40 % busy; see "others" below');
    const count = Math.round((DURATION * 1_000) / INTERVAL_MS);
    const result = await run(members, chatId, count, 'g', groups);
    const perSecond = 1_000 / INTERVAL_MS;
    const processes = Object.entries(result.cpu).filter(([name]) => name !== 'machine');
    const services = processes
      .filter(([name]) => !['others', 'load generator', 'postgres'].includes(name))
      .reduce((sum, [, value]) => sum + value, 0);
    // % of one core over the window → ms of CPU per second → per message sent.
    const perMessage = (percent: number) => ((percent * 10) / perSecond).toFixed(1);
    console.log(
      `\n${count} messages to a ${members.length}-member group, one every ${INTERVAL_MS} ms (rotating senders), store ${STORE}, acks ${ACK ? 'on' : 'off'}:\n` +
        `  deliveries ${result.delivered}/${result.expected}; messages that reached all ${members.length - 1}: ${result.reachedAll}/${count}; ` +
        `message.sent ${result.acked}/${count}; errors ${JSON.stringify(result.errorCodes)}\n` +
        `  send → each recipient's message.new: ${line(result.deliveries)}\n` +
        `  send → the last recipient's message.new, per message: ${line(result.lastRecipient)}\n` +
        `  send → sender's message.sent: ${line(result.ackLatency)}\n` +
        `  cpu (% of one core): ${processes.map(([name, value]) => `${name} ${value}`).join(', ')}, machine ${result.cpu.machine} % of all cores\n` +
        `  cpu per message sent (ms; ${members.length - 1} deliveries${ACK ? ' and acks' : ''} each): ` +
        `${processes.map(([name, value]) => `${name} ${perMessage(value)}`).join(', ')}, all services and stores ${perMessage(services)}`,
    );
    for (const member of members) member.socket.ws.terminate();
    await sleep(5_000);
  } finally {
    await stack.stop();
  }
}

await main();
