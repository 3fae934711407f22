import { createPrivateKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceAccount } from '@wa/pkg/fcm-emulator';
import type { FcmMessage } from '../src/repository/fcm-client.ts';
import type { ServiceAccountCredentials } from '../src/repository/service-account.ts';

/** A clock the test moves by hand, so tokens expire without waiting. */
export function manualClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => (at += ms),
  };
}

/** What `loadServiceAccount` makes of `account`, without a file. */
export function credentialsOf(account: ServiceAccount): ServiceAccountCredentials {
  return {
    projectId: account.project_id,
    clientEmail: account.client_email,
    privateKeyId: account.private_key_id,
    privateKey: createPrivateKey(account.private_key),
    tokenUri: account.token_uri,
  };
}

export const message = (token: string, data: Record<string, string> = { type: 'ping' }) =>
  ({ token, data, android: { priority: 'high', ttl: '86400s' } }) satisfies FcmMessage;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A forwarder in front of the emulator's token endpoint that counts the token requests made to
 * it: give its `tokenUri` to the service account.
 */
export async function startTokenCounter(emulatorUrl: () => string) {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    void (async () => {
      const forwarded = await fetch(`${emulatorUrl()}/token`, {
        method: 'POST',
        headers: { 'content-type': request.headers['content-type'] ?? '' },
        body: await bodyOf(request),
      });
      response.writeHead(forwarded.status, { 'content-type': 'application/json' });
      response.end(await forwarded.text());
    })().catch(() => response.destroy());
  });
  const url = await listen(server);
  return {
    tokenUri: `${url}/token`,
    requests: () => requests,
    close: () => close(server),
  };
}

/** One answer of a scripted FCM: status, headers and a JSON (or raw text) body. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Milliseconds to hold the request before answering. */
  delayMs?: number;
  /** Cut the connection instead of answering, as a crashed peer would. */
  drop?: boolean;
}

/**
 * A tiny HTTP server answering FCM HTTP v1 as `answer` says, for what the emulator never says
 * (FCM's documented answers, a server down for good, slow answers). Its `/token` always issues a
 * token; it counts token requests and the sends in flight at once.
 */
export async function startScriptedFcm(
  answer: (message: FcmMessage, attempt: number) => ScriptedAnswer,
) {
  let tokenRequests = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const sends: FcmMessage[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const text = await bodyOf(request);
      if (request.url === '/token') {
        tokenRequests++;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            access_token: `t${tokenRequests}`,
            expires_in: 3599,
            token_type: 'Bearer',
          }),
        );
        return;
      }
      const sent = (JSON.parse(text) as { message: FcmMessage }).message;
      sends.push(sent);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const attempt = sends.filter((m) => m.token === sent.token).length;
      const scripted = answer(sent, attempt);
      if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      inFlight--;
      if (scripted.drop) return request.socket.destroy();
      const raw = typeof scripted.body === 'string';
      response.writeHead(scripted.status, {
        'content-type': raw ? 'text/html' : 'application/json',
        ...scripted.headers,
      });
      response.end(raw ? scripted.body : JSON.stringify(scripted.body ?? {}));
    })().catch(() => response.destroy());
  });
  const url = await listen(server);
  return {
    url,
    tokenUri: `${url}/token`,
    sends: (token?: string) => sends.filter((m) => token === undefined || m.token === token),
    tokenRequests: () => tokenRequests,
    maxInFlight: () => maxInFlight,
    close: () => close(server),
  };
}

/** Credentials for a scripted FCM (it checks no signature, so any RSA key does). */
export function scriptedCredentials(
  account: ServiceAccount,
  tokenUri: string,
): ServiceAccountCredentials {
  return { ...credentialsOf(account), tokenUri };
}
