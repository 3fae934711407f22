import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { repoRoot } from './service-process.ts';

/** A private S3 server (versitygw over a directory) with one bucket, for a harness that crashes it. */
export interface TestS3Server extends ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>;
}

const run = promisify(execFile);

/**
 * The versitygw that `scripts/infra/up.sh` builds into `.tools/bin`, storing objects as files in a
 * temporary directory (kept across `kill`/`start`, as a real server's disk is). The bucket is made
 * through the S3 API, as up.sh makes it, so it carries the ownership versitygw expects.
 */
export async function startS3Server(bucket = 'whatsapp-media'): Promise<TestS3Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 's3-test-'));
  const accessKey = 'chaos-access';
  const secretKey = 'chaos-secret-key';
  const server = await startServerProcess({
    name: 'versitygw',
    candidates: [join(repoRoot, '.tools/bin/versitygw')],
    envVar: 'VERSITYGW_BIN',
    args: [
      '--access',
      accessKey,
      '--secret',
      secretKey,
      '--port',
      `127.0.0.1:${port}`,
      'posix',
      dataDir,
    ],
    readyWhen: 'service listening on',
  });
  const url = `http://127.0.0.1:${port}`;
  // curl signs the request (SigV4) as up.sh does; an empty body's SHA-256 is the payload hash.
  const { stdout } = await run('curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--aws-sigv4',
    'aws:amz:us-east-1:s3',
    '-H',
    'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '--user',
    `${accessKey}:${secretKey}`,
    '-X',
    'PUT',
    `${url}/${bucket}`,
  ]);
  if (stdout !== '200') {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`creating bucket ${bucket} on versitygw answered HTTP ${stdout}`);
  }
  return {
    ...server,
    url,
    bucket,
    accessKey,
    secretKey,
    destroy: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
