import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AccessTokenStore } from './access-tokens.ts';
import type { AccountRegistry } from './account-registry.ts';
import { googleError } from './fcm-errors.ts';
import { readBody, writeAnswer, type HttpAnswer } from './http-io.ts';
import type { PushLog } from './push-log.ts';
import { answerSend } from './send-endpoint.ts';
import type { ServiceAccount } from './service-account.ts';
import { answerTokenRequest } from './token-endpoint.ts';

/** Larger bodies are refused with 413; FCM's own payload limit is far below this. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages(?::|%3A)send$/i;

export interface EmulatorServerDeps {
  accounts: AccountRegistry;
  tokens: AccessTokenStore;
  pushes: PushLog;
  audiences: (account: ServiceAccount) => string[];
  now: () => number;
}

/** The emulator's HTTP server, not yet listening. Every answer is JSON; no input crashes it. */
export function createEmulatorServer(deps: EmulatorServerDeps): Server {
  return createServer((request, response) => {
    route(request, deps)
      .then((answer) => writeAnswer(response, answer))
      .catch(() => failRequest(response));
  });
}

async function route(request: IncomingMessage, deps: EmulatorServerDeps): Promise<HttpAnswer> {
  const { pathname, searchParams } = new URL(request.url ?? '/', 'http://emulator');
  const method = request.method ?? 'GET';

  if (pathname === '/token') {
    if (method !== 'POST') return methodNotAllowed('POST');
    const body = await readBody(request, BODY_LIMIT_BYTES);
    if (body.tooLarge)
      return {
        status: 413,
        body: { error: 'invalid_request', error_description: 'Request too large.' },
      };
    return answerTokenRequest(body.text, request.headers['content-type'], deps);
  }

  const sendMatch = SEND_PATH.exec(pathname);
  if (sendMatch) {
    if (method !== 'POST') return methodNotAllowed('POST');
    const projectId = safeDecode(sendMatch[1]);
    const body = await readBody(request, BODY_LIMIT_BYTES);
    return answerSend({ projectId, authorization: request.headers.authorization, body }, deps);
  }

  if (pathname === '/emulator/messages') {
    if (method === 'GET')
      return {
        status: 200,
        body: { messages: deps.pushes.list(searchParams.get('token') ?? undefined) },
      };
    if (method === 'DELETE') {
      deps.pushes.clear();
      return { status: 204 };
    }
    return methodNotAllowed('GET, DELETE');
  }

  return googleError(404, 'NOT_FOUND', `No route for ${pathname}.`);
}

function methodNotAllowed(allow: string): HttpAnswer {
  const answer = googleError(405, 'METHOD_NOT_ALLOWED', `Only ${allow} is allowed here.`);
  return { ...answer, headers: { allow } };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** An aborted upload or a bug: answer 500 if the socket still listens, never throw. */
function failRequest(response: ServerResponse): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  writeAnswer(response, googleError(500, 'INTERNAL', 'Internal error.'));
}
