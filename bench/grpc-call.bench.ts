// CPU per unary gRPC call through pkg/grpc (issue 12): our client in this process, our server in a
// child process, on loopback; one call at a time and 16 in flight. Each side's CPU is read with
// process.cpuUsage over the measured calls only. Every call between services (SendMessage,
// UpdateMessageStatuses, GetParticipants, …) pays this on both ends. Figures in
// docs/benchmarks.md (## CPU per message on the full send path (issue 12)).
// Knobs: BENCH_CALLS (20000), BENCH_IN_FLIGHT (1,16).
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createGrpcClient, createGrpcServer, MessageService } from '@wa/pkg/grpc';
import { createLogger } from '@wa/pkg/log';
import { machineNote } from './support/report.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const IN_FLIGHT = (process.env.BENCH_IN_FLIGHT ?? '1,16').split(',').map(Number);
const WARM_UP_CALLS = 2_000;

type CpuQuestion = 'cpu';
const cpuMs = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1_000;
};

/** The child: a server answering UpdateMessageStatus, telling its parent its CPU when asked. */
async function serve(): Promise<void> {
  const server = createGrpcServer({
    routes: (router) =>
      router.service(MessageService, {
        updateMessageStatus: (request) => ({ success: true, updated: request.messageIds.length }),
      }),
    log: createLogger({ service: 'bench-grpc-server', level: 'warn' }),
  });
  const port = await server.listen(0, '127.0.0.1');
  process.on('message', (question: CpuQuestion) => {
    if (question === 'cpu') process.send!({ cpuMs: cpuMs() });
  });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  process.send!({ port });
}

async function measure(): Promise<void> {
  console.log(machineNote());
  const child = fork(fileURLToPath(import.meta.url), ['serve'], { stdio: 'inherit' });
  const nextAnswer = <T>() => new Promise<T>((resolve) => child.once('message', resolve));
  const { port } = await nextAnswer<{ port: number }>();
  const serverCpu = async () => {
    const answer = nextAnswer<{ cpuMs: number }>();
    child.send('cpu' satisfies CpuQuestion);
    return (await answer).cpuMs;
  };
  const client = createGrpcClient(MessageService, { address: `127.0.0.1:${port}` });
  const call = (i: number) =>
    client.updateMessageStatus({
      userId: `user-${i}`,
      status: 'delivered',
      messageIds: ['9b2e6f3e-1c4f-4b7a-9d6e-0a1b2c3d4e5f'],
    });
  for (let i = 0; i < WARM_UP_CALLS; i++) await call(i);
  for (const inFlight of IN_FLIGHT) {
    const [clientBefore, serverBefore] = [cpuMs(), await serverCpu()];
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < CALLS) await call(next++);
      }),
    );
    const wallMs = performance.now() - start;
    const [clientAfter, serverAfter] = [cpuMs(), await serverCpu()];
    const perCall = (ms: number) => ((ms * 1_000) / CALLS).toFixed(0);
    console.log(
      `${inFlight} in flight, ${CALLS} calls: ${((CALLS * 1_000) / wallMs).toFixed(0)} calls/s; ` +
        `CPU µs per call: client ${perCall(clientAfter - clientBefore)}, ` +
        `server ${perCall(serverAfter - serverBefore)}; wall µs per call ${perCall(wallMs)}`,
    );
  }
  child.disconnect();
}

await (process.argv[2] === 'serve' ? serve() : measure());
