import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { repoRoot } from './service-process.ts';

/** A private FerretDB (MongoDB wire protocol) over a PostgreSQL database, for a harness that crashes it. */
export interface TestFerretServer extends ServerProcess {
  /** `mongodb://127.0.0.1:<port>` (name a database in the path). */
  url: string;
  /** Stops it and deletes its state directory (the data stays in PostgreSQL). */
  destroy(): Promise<void>;
}

/** The FerretDB that `scripts/infra/up.sh` builds into `.tools/bin`, over `postgresUrl` (a database). */
export async function startFerretServer(postgresUrl: string): Promise<TestFerretServer> {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), 'ferretdb-test-'));
  const server = await startServerProcess({
    name: 'ferretdb',
    candidates: [join(repoRoot, '.tools/bin/ferretdb')],
    envVar: 'FERRETDB_BIN',
    args: [
      '--handler=postgresql',
      `--postgresql-url=${postgresUrl}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--telemetry=disable',
      '--debug-addr=-',
      `--state-dir=${stateDir}`,
      '--log-level=INFO',
    ],
    readyWhen: 'Listening on TCP',
  });
  return {
    ...server,
    url: `mongodb://127.0.0.1:${port}`,
    destroy: async () => {
      await server.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
