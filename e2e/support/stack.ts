import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { freePort } from '@wa/pkg/testing';

const root = resolve(import.meta.dirname, '../..');

export interface RunningService {
  name: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `<name>/src/main.ts` as a real process and waits until its /health answers. */
export async function startService(
  name: string,
  httpPort: number,
  env: Record<string, string>,
): Promise<RunningService> {
  const child = spawn(process.execPath, [resolve(root, name, 'src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const service: RunningService = {
    name,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/health`);
      if (response.ok) return service;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await service.stop();
  throw new Error(`${name} did not become healthy:\n${output}`);
}
