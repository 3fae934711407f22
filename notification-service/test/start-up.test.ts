import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServiceAccount, type ServiceAccount } from '@wa/pkg/fcm-emulator';
import { freePort, repoRoot } from '@wa/pkg/testing';

/** Runs the service's main with `credentialsPath`; resolves with its exit code and stderr. */
async function start(credentialsPath: string | undefined) {
  const child = spawn(process.execPath, [resolve(repoRoot, 'notification-service/src/main.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HTTP_PORT: String(await freePort()),
      ...(credentialsPath === undefined ? {} : { FCM_CREDENTIALS_PATH: credentialsPath }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, output };
}

test('a missing or malformed service account stops the service at start, saying why', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'fcm-credentials-'));
  try {
    const notJson = join(directory, 'not-json.json');
    await writeFile(notJson, '{ this is not json');
    const noKey = join(directory, 'no-key.json');
    const withoutKey: Partial<ServiceAccount> = createServiceAccount({
      projectId: 'p',
      tokenUri: 'http://127.0.0.1:1/token',
    });
    delete withoutKey.private_key;
    await writeFile(noKey, JSON.stringify(withoutKey));
    const badKey = join(directory, 'bad-key.json');
    await writeFile(
      badKey,
      JSON.stringify({
        ...createServiceAccount({ projectId: 'p', tokenUri: 'http://127.0.0.1:1/token' }),
        private_key: 'not a key',
      }),
    );

    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /FCM_CREDENTIALS_PATH: is required/],
      [join(directory, 'absent.json'), /absent\.json\): cannot be read \(ENOENT\)/],
      [notJson, /not-json\.json\): is not JSON/],
      [noKey, /is not a service-account key file: .*private_key/],
      [badKey, /private_key is not a PEM private key/],
    ];
    for (const [path, message] of cases) {
      const { code, output } = await start(path);
      assert.equal(code, 1, output);
      assert.match(output, message);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
