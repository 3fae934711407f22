import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

/** A private PostgreSQL cluster, for a harness that crashes and restarts PostgreSQL itself. */
export interface TestPostgresServer extends ServerProcess {
  /** `postgres://postgres@127.0.0.1:<port>` (name a database in the path). */
  url: string;
  port: number;
  /** An immediate stop (`pg_ctl stop -m immediate`: SIGQUIT, no checkpoint; crash recovery at start). */
  crash(): Promise<void>;
  /** Stops it and deletes the cluster. */
  destroy(): Promise<void>;
}

/** The newest Debian PostgreSQL binaries, or `PG_BIN_DIR`. */
function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length)
    throw new Error('no PostgreSQL binaries in /usr/lib/postgresql (PG_BIN_DIR)');
  return join(root, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` user. */
const asPostgres = () =>
  process.getuid?.() === 0
    ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--']
    : [];

/**
 * initdb into a temporary directory, then the server on a free port (trust authentication,
 * 127.0.0.1 only, its socket in the data directory). `stop()` keeps the data: `start()` again
 * serves the same databases.
 */
export async function startPostgresServer(): Promise<TestPostgresServer> {
  const bin = binDir();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  if (process.getuid?.() === 0) chownSync(dataDir, uidOf('postgres'), gidOf('postgres'));
  const [wrapper, ...wrapperArgs] = asPostgres();
  const initdb = [
    join(bin, 'initdb'),
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
  ];
  execFileSync(wrapper ?? initdb[0], wrapper ? [...wrapperArgs, ...initdb] : initdb.slice(1), {
    stdio: 'ignore',
  });
  const server = await startServerProcess({
    name: 'postgres',
    candidates: [join(bin, 'postgres')],
    envVar: 'POSTGRES_BIN',
    wrapper: asPostgres(),
    args: [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataDir}`,
      '-c',
      'max_connections=200',
      '-c',
      'fsync=off',
    ],
    readyWhen: 'database system is ready to accept connections',
  });
  return {
    ...server,
    url: `postgres://postgres@127.0.0.1:${port}`,
    port,
    crash: () => server.kill('SIGQUIT'),
    destroy: async () => {
      await server.kill('SIGQUIT');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const idOf = (flag: '-u' | '-g', name: string) =>
  Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
const uidOf = (name: string) => idOf('-u', name);
const gidOf = (name: string) => idOf('-g', name);
