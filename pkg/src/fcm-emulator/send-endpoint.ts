import { randomBytes } from 'node:crypto';
import type { AccessTokenStore } from './access-tokens.ts';
import { googleError, invalidArgument, senderIdMismatch, unauthenticated } from './fcm-errors.ts';
import type { BodyRead, HttpAnswer } from './http-io.ts';
import type { PushLog } from './push-log.ts';
import { checkSendRequest } from './send-validation.ts';
import { hookedFailure } from './token-hooks.ts';

export interface SendEndpointDeps {
  tokens: AccessTokenStore;
  pushes: PushLog;
  now: () => number;
}

export interface SendRequest {
  projectId: string;
  authorization: string | undefined;
  body: BodyRead;
}

/** `POST /v1/projects/{project_id}/messages:send`; every attempt is recorded with its answer. */
export function answerSend(request: SendRequest, deps: SendEndpointDeps): HttpAnswer {
  const parsed = request.body.tooLarge ? undefined : parseJson(request.body.text);
  const answer = decide(request, parsed, deps);
  deps.pushes.record({
    received_at: new Date(deps.now()).toISOString(),
    project_id: request.projectId,
    status: answer.status,
    message: messageOf(parsed),
  });
  return answer;
}

function decide(request: SendRequest, parsed: Parsed, deps: SendEndpointDeps): HttpAnswer {
  const accessToken = bearerToken(request.authorization);
  const tokenProject = accessToken === undefined ? undefined : deps.tokens.projectOf(accessToken);
  if (tokenProject === undefined) return unauthenticated(request.authorization !== undefined);
  if (tokenProject !== request.projectId) return senderIdMismatch();
  if (request.body.tooLarge)
    return googleError(413, 'INVALID_ARGUMENT', 'Request payload size exceeds the limit.');
  if (!parsed) return invalidArgument({ description: 'Invalid JSON payload received.' });

  const check = checkSendRequest(parsed.value);
  if (!check.ok) return invalidArgument(check.violation);
  const attempt = deps.pushes.countAttempt(check.message.token);
  const failure = hookedFailure(check.message.token, attempt);
  if (failure) return failure;
  const messageId = check.validateOnly ? 'fake_message_id' : newMessageId(deps.now());
  return { status: 200, body: { name: `projects/${request.projectId}/messages/${messageId}` } };
}

type Parsed = { value: unknown } | undefined;

function parseJson(text: string): Parsed {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function messageOf(parsed: Parsed): unknown {
  const value = parsed?.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return (value as Record<string, unknown>).message ?? null;
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Shaped like FCM's ids (`0:1500415314455276%31bd1c9631bd1c96`), unique per send. */
function newMessageId(nowMs: number): string {
  return `0:${nowMs}%${randomBytes(8).toString('hex')}`;
}
