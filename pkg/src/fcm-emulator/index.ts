import type { AddressInfo } from 'node:net';
import { createAccessTokenStore } from './access-tokens.ts';
import { createAccountRegistry } from './account-registry.ts';
import { createPushLog, type RecordedPush } from './push-log.ts';
import { createEmulatorServer } from './server.ts';
import type { ServiceAccount } from './service-account.ts';

export { createServiceAccount, writeServiceAccountFile } from './service-account.ts';
export type { ServiceAccount, ServiceAccountSettings } from './service-account.ts';
export type { RecordedPush } from './push-log.ts';

/** A running emulator of FCM HTTP v1 `messages:send` and Google's OAuth2 token endpoint. */
export interface FcmEmulator {
  /** `http://127.0.0.1:<port>`; accounts' `token_uri` is `${url}/token`. */
  url: string;
  port: number;
  close(): Promise<void>;
  /** Accepts JWTs signed by this account's key from now on. */
  trust(account: ServiceAccount): void;
  /** Every send attempt, oldest first; only those to `token` when it is given. */
  messages(token?: string): RecordedPush[];
  /** Forgets recorded sends and per-token attempt counts. */
  clear(): void;
}

export interface FcmEmulatorOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  host?: string;
  accounts?: ServiceAccount[];
  /** Lifetime of issued access tokens; Google's is 3599 s. */
  tokenLifetimeSeconds?: number;
  /** The clock in ms since the epoch; tests pass their own to expire tokens without waiting. */
  now?: () => number;
}

export async function startFcmEmulator(options: FcmEmulatorOptions = {}): Promise<FcmEmulator> {
  const { port = 0, host = '127.0.0.1', tokenLifetimeSeconds = 3599, now = Date.now } = options;
  const accounts = createAccountRegistry(options.accounts);
  const pushes = createPushLog();
  const tokens = createAccessTokenStore({ lifetimeSeconds: tokenLifetimeSeconds, now });
  let url = '';
  const server = createEmulatorServer({
    accounts,
    tokens,
    pushes,
    now,
    // An assertion is for this endpoint when addressed to the account's token_uri or to us.
    audiences: (account) => [account.token_uri, `${url}/token`],
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  url = `http://${urlHost(host)}:${actualPort}`;

  return {
    url,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    trust: (account) => accounts.trust(account),
    messages: (token) => pushes.list(token),
    clear: () => pushes.clear(),
  };
}

/** Wildcard listen addresses are reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
