// The FCM emulator for the local stack: `node pkg/src/fcm-emulator/main.ts`.
// FCM_EMULATOR_PORT (default 8095) and FCM_EMULATOR_ACCOUNT_PATH (default
// .run/fcm-service-account.json) choose where it listens and which key file it trusts; a missing
// key file is created for project `wa-local`, so the services can read it as their credentials.
// FCM_EMULATOR_HOST (default 127.0.0.1) is the address it binds; FCM_EMULATOR_PUBLIC_URL (default
// its own URL) is where the services reach it, named in the key file's `token_uri` (compose: the
// container's name).
// With `--init` it only creates that file (when missing) and exits: `make run` does so before the
// services start, so the notification-service finds its credentials on its first start.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createLogger } from '../log/index.ts';
import { createServiceAccount, startFcmEmulator, writeServiceAccountFile } from './index.ts';
import type { ServiceAccount } from './service-account.ts';

const LOCAL_PROJECT_ID = 'wa-local';

const log = createLogger({ service: 'fcm-emulator', level: 'info' });
const port = Number(process.env.FCM_EMULATOR_PORT ?? 8095);
const host = process.env.FCM_EMULATOR_HOST ?? '127.0.0.1';
const publicUrl = process.env.FCM_EMULATOR_PUBLIC_URL?.replace(/\/+$/, '');
const accountPath = resolve(
  process.env.FCM_EMULATOR_ACCOUNT_PATH ?? '.run/fcm-service-account.json',
);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.fatal({ port: process.env.FCM_EMULATOR_PORT }, 'FCM_EMULATOR_PORT is not a port');
  process.exit(1);
}

const accountFor = async (url: string): Promise<ServiceAccount> => {
  const existing = await readAccount(accountPath);
  if (existing) return existing;
  const created = createServiceAccount({ projectId: LOCAL_PROJECT_ID, tokenUri: `${url}/token` });
  await mkdir(dirname(accountPath), { recursive: true });
  await writeServiceAccountFile(accountPath, created);
  return created;
};

if (process.argv.includes('--init')) {
  await accountFor(publicUrl ?? `http://127.0.0.1:${port}`);
  process.exit(0);
}
const emulator = await startFcmEmulator({ port, host });
emulator.trust(await accountFor(publicUrl ?? emulator.url));
log.info({ url: emulator.url, accountPath }, 'fcm emulator listening');

const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

async function readAccount(path: string): Promise<ServiceAccount | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ServiceAccount;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
