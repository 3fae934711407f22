// `make chaos`: the fault-injection run of issue 11 on servers of its own (PostgreSQL, FerretDB over
// it, NATS, Redis), so it can crash each of them without touching anyone else's. Prints the fault
// table (docs/reliability.md has the method and the last figures), writes it to .run/chaos-report.md
// and exits 1 if anything acknowledged was lost or stored twice, or a fault never recovered.
//
// CHAOS_FAULTS=nats,redis runs only those; CHAOS_USERS, CHAOS_RATE change the load.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { connectNats, ensureStreams, jetstreamManager } from '@wa/pkg/bus';
import { createPgPool } from '@wa/pkg/db';
import {
  repoRoot,
  startFerretServer,
  startNatsServer,
  startPostgresServer,
  startRedisServer,
  startS3Server,
  startStack,
  testLogger,
  type Stack,
} from '@wa/pkg/testing';
import { ALL_FAULTS, type FaultName } from './faults.ts';
import { runChaos } from './harness.ts';
import { markdownTable, passed } from './report.ts';

const log = (line: string) =>
  process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const faults = (process.env.CHAOS_FAULTS?.split(',').filter(Boolean) ?? ALL_FAULTS) as FaultName[];
const users = number('CHAOS_USERS', 200);
const rate = number('CHAOS_RATE', 50);
const mediaShare = number('CHAOS_MEDIA_SHARE', 0.1);

log('starting private PostgreSQL, FerretDB, NATS, Redis and S3 (versitygw)');
const postgres = await startPostgresServer();
const admin = createPgPool({ url: `${postgres.url}/postgres`, max: 1, log: testLogger('chaos') });
await admin.query('CREATE DATABASE whatsapp_chaos');
await admin.query('CREATE DATABASE ferretdb');
await admin.end();
// FerretDB's lookups need the GIN twins of its indexes, as on the shared server (scripts/infra/up.sh).
execFileSync(
  'psql',
  [
    `${postgres.url}/ferretdb`,
    '-v',
    'ON_ERROR_STOP=1',
    '-q',
    '-f',
    join(repoRoot, 'scripts/infra/ferretdb-gin.sql'),
  ],
  { stdio: 'ignore' },
);
const ferretdb = await startFerretServer(`${postgres.url}/ferretdb`);
const [nats, redis, s3] = await Promise.all([
  startNatsServer(),
  startRedisServer(),
  startS3Server(),
]);
execFileSync(process.execPath, [join(repoRoot, 'scripts/migrate.ts')], {
  env: {
    ...process.env,
    DATABASE_URL: `${postgres.url}/whatsapp_chaos`,
    MONGO_URL: `${ferretdb.url}/whatsapp_chaos`,
    LOG_LEVEL: 'warn',
  },
  stdio: 'inherit',
});
const nc = await connectNats({ url: nats.url, name: 'chaos', log: testLogger('chaos') });
await ensureStreams(await jetstreamManager(nc));
await nc.close();

let stack: Stack | undefined;
try {
  log('starting the services: two websocket-service instances, each behind its own gateway');
  stack = await startStack({
    services: [
      'user-service',
      'chat-service',
      'message-service',
      'media-service',
      'websocket-service',
    ],
    stores: {
      DATABASE_URL: `${postgres.url}/whatsapp_chaos`,
      MONGO_URL: `${ferretdb.url}/chaos`,
      NATS_URL: nats.url,
      REDIS_URL: redis.url,
    },
    websocketInstances: 2,
    databasePoolMax: 10,
    // A warning per failed frame during an outage is a storm of lines at this load.
    logLevel: 'error',
    env: {
      'auth-service': { ACCESS_TOKEN_TTL_SECONDS: '7200' },
      'media-service': {
        S3_ENDPOINT: s3.url,
        S3_PUBLIC_URL: s3.url,
        S3_ACCESS_KEY: s3.accessKey,
        S3_SECRET_KEY: s3.secretKey,
        S3_BUCKET: s3.bucket,
      },
    },
  });
  const result = await runChaos({
    stack,
    servers: { postgres, ferretdb, nats, redis, s3 },
    faults,
    load: {
      users,
      rate,
      directChats: Math.floor(users / 2),
      groups: Math.floor(users / 10),
      groupSize: 8,
      restShare: 0.2,
      mediaShare,
    },
    warmupMs: 30_000,
    baselineMs: 10_000,
    downMs: 3_000,
    normalMs: 5_000,
    maxRecoveryMs: 90_000,
    drainMs: 120_000,
    log,
  });
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GB`;
  const report = [
    `Load: ${users} users, ${rate} sends/s (20 % over REST, ${Math.round(mediaShare * 100)} % images), ${Math.floor(users / 2)} direct chats and ${Math.floor(users / 10)} groups of 8; ${machine}.`,
    '',
    markdownTable(result.rows),
    '',
    ...result.skipped.map((s) => `Not run: ${s.fault} (${s.why}).`),
    `Sockets closed with a code clients give up on (4xxx): ${result.fatalCloses}.`,
    `Memory at the start of the load (MB): ${JSON.stringify(result.memoryStart)}`,
    `Memory at the end (MB): ${JSON.stringify(result.memoryEnd)}`,
    ...(result.problems.length
      ? ['', 'Problems:', ...result.problems.slice(0, 50).map((p) => `- ${p}`)]
      : []),
  ].join('\n');
  process.stdout.write(`\n${report}\n`);
  mkdirSync(join(repoRoot, '.run'), { recursive: true });
  writeFileSync(join(repoRoot, '.run/chaos-report.md'), `${report}\n`);
  process.exitCode = passed(result) && result.fatalCloses === 0 ? 0 : 1;
} finally {
  // What each service printed (warnings and errors), for the one who reads the table.
  mkdirSync(join(repoRoot, '.run/chaos'), { recursive: true });
  stack?.services.forEach((service, i) =>
    writeFileSync(join(repoRoot, `.run/chaos/${i}-${service.name}.log`), service.output()),
  );
  await stack?.stop();
  await Promise.allSettled([nats.destroy(), redis.stop(), ferretdb.destroy(), s3.destroy()]);
  await postgres.destroy();
}
// Clients' and pools' timers would keep the process alive.
process.exit(process.exitCode ?? 1);
