import { freePort } from './ports.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

/** A private redis-server (no persistence), for tests that stop and restart Redis. */
export interface TestRedisServer extends ServerProcess {
  url: string;
}

/** A restart comes back empty, as a Redis without persistence does after a crash. */
export async function startRedisServer(): Promise<TestRedisServer> {
  const port = await freePort();
  const server = await startServerProcess({
    name: 'redis-server',
    candidates: ['/usr/bin/redis-server', '/usr/local/bin/redis-server'],
    envVar: 'REDIS_SERVER_BIN',
    args: ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    readyWhen: 'Ready to accept connections',
  });
  return { ...server, url: `redis://127.0.0.1:${port}` };
}
