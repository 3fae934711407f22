import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

/** A private nats-server with JetStream, for tests that stop and restart NATS. */
export interface TestNatsServer extends ServerProcess {
  url: string;
  port: number;
  /** Stops it and deletes the store. */
  destroy(): Promise<void>;
}

/** `stop()` keeps the store directory, so after `start()` streams and messages are still there. */
export async function startNatsServer(): Promise<TestNatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'nats-test-'));
  const server = await startServerProcess({
    name: 'nats-server',
    candidates: ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'],
    envVar: 'NATS_SERVER_BIN',
    args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
    readyWhen: 'Server is ready',
  });
  return {
    ...server,
    url: `nats://127.0.0.1:${port}`,
    port,
    destroy: async () => {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
