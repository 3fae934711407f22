import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServiceAccount } from '@wa/pkg/fcm-emulator';
import { createFcmClient } from '../src/repository/fcm-client.ts';
import {
  message,
  scriptedCredentials,
  startScriptedFcm,
  type ScriptedAnswer,
} from './fcm-helpers.ts';

/*
 * How the client reads answers FCM documents but the emulator never gives: each device token
 * below names the answer a scripted server gives to it.
 */

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

const googleError = (code: number, status: string, text: string, details: unknown[] = []) => ({
  error: { code, message: text, status, details },
});

const ANSWERS: Record<string, ScriptedAnswer> = {
  // FCM's answer to a malformed token, as its reference describes it: a violation on the token.
  'violation-on-token': {
    status: 400,
    body: googleError(400, 'INVALID_ARGUMENT', 'Invalid registration token', [
      { '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' },
      { '@type': BAD_REQUEST, fieldViolations: [{ field: 'message.token' }] },
    ]),
  },
  // What FCM answers a malformed or foreign token in practice (firebase-admin-java#1064,
  // healthjoy/async-firebase#15): no field violation, only this message.
  'not-a-valid-token': {
    status: 400,
    body: googleError(
      400,
      'INVALID_ARGUMENT',
      'The registration token is not a valid FCM registration token',
      [{ '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' }],
    ),
  },
  'violation-on-data': {
    status: 400,
    body: googleError(400, 'INVALID_ARGUMENT', "Invalid value at 'message.data'", [
      { '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' },
      { '@type': BAD_REQUEST, fieldViolations: [{ field: 'message.data.x' }] },
    ]),
  },
  'unregistered-status-only': {
    status: 404,
    body: googleError(404, 'NOT_FOUND', 'Requested entity was not found.', [
      { '@type': FCM_ERROR, errorCode: 'UNREGISTERED' },
    ]),
  },
  'sender-mismatch': {
    status: 403,
    body: googleError(403, 'PERMISSION_DENIED', 'SenderId mismatch', [
      { '@type': FCM_ERROR, errorCode: 'SENDER_ID_MISMATCH' },
    ]),
  },
  'html-500': { status: 500, body: '<html>Internal Server Error</html>' },
  'retry-after-date': {
    status: 503,
    headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() },
    body: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
  },
  'retry-after-zero': {
    status: 429,
    headers: { 'retry-after': '0' },
    body: googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [
      { '@type': FCM_ERROR, errorCode: 'QUOTA_EXCEEDED' },
    ]),
  },
  'retry-after-garbage': {
    status: 502,
    headers: { 'retry-after': 'soon' },
    body: googleError(502, 'INTERNAL', 'Bad gateway'),
  },
  'always-401': {
    status: 401,
    body: googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
  },
  'sent-without-name': { status: 200, body: {} },
};

describe('fcm client: FCM answers', () => {
  let fcm: Awaited<ReturnType<typeof startScriptedFcm>>;
  let client: ReturnType<typeof createFcmClient>;

  before(async () => {
    fcm = await startScriptedFcm((sent) => ANSWERS[sent.token] ?? { status: 200, body: {} });
    const account = createServiceAccount({ projectId: 'wa-push', tokenUri: fcm.tokenUri });
    client = createFcmClient({
      credentials: scriptedCredentials(account, fcm.tokenUri),
      baseUrl: fcm.url,
    });
  });
  after(() => fcm?.close());

  test('a 400 whose field violation is message.token means the token is stale', async () => {
    assert.deepEqual(await client.send(message('violation-on-token')), {
      kind: 'stale-token',
      status: 400,
      code: 'INVALID_ARGUMENT',
    });
  });

  test('a 400 saying the registration token is not valid means the token is stale', async () => {
    assert.deepEqual(await client.send(message('not-a-valid-token')), {
      kind: 'stale-token',
      status: 400,
      code: 'INVALID_ARGUMENT',
    });
  });

  test('a 400 about another field is a rejection, the token is kept', async () => {
    const outcome = await client.send(message('violation-on-data'));
    assert.equal(outcome.kind, 'rejected');
    assert.equal(outcome.kind === 'rejected' && outcome.code, 'INVALID_ARGUMENT');
  });

  test('UNREGISTERED in the FcmError detail wins over the HTTP status', async () => {
    assert.deepEqual(await client.send(message('unregistered-status-only')), {
      kind: 'stale-token',
      status: 404,
      code: 'UNREGISTERED',
    });
  });

  test('SENDER_ID_MISMATCH is a rejection with its FCM code', async () => {
    const outcome = await client.send(message('sender-mismatch'));
    assert.deepEqual(outcome, {
      kind: 'rejected',
      status: 403,
      code: 'SENDER_ID_MISMATCH',
      message: 'SenderId mismatch',
    });
  });

  test('a 5xx without a JSON body is a retry named by its status', async () => {
    assert.deepEqual(await client.send(message('html-500')), {
      kind: 'retry',
      status: 500,
      code: '500',
      retryAfterMs: undefined,
    });
  });

  test('reads Retry-After as an HTTP date, as seconds, and ignores nonsense', async () => {
    const byDate = await client.send(message('retry-after-date'));
    assert.equal(byDate.kind, 'retry');
    const waitMs = byDate.kind === 'retry' ? (byDate.retryAfterMs ?? -1) : -1;
    // An HTTP date has whole seconds: up to a second early, never later than asked.
    assert.ok(waitMs > 25_000 && waitMs <= 30_000, `waits ${waitMs} ms`);

    const zero = await client.send(message('retry-after-zero'));
    assert.deepEqual(zero, { kind: 'retry', status: 429, code: 'QUOTA_EXCEEDED', retryAfterMs: 0 });

    const garbage = await client.send(message('retry-after-garbage'));
    assert.deepEqual(garbage, {
      kind: 'retry',
      status: 502,
      code: 'INTERNAL',
      retryAfterMs: undefined,
    });
  });

  test('a 401 with a fresh token too is retried only once, then rejected', async () => {
    const tokensBefore = fcm.tokenRequests();
    const outcome = await client.send(message('always-401'));
    assert.equal(outcome.kind, 'rejected');
    assert.equal(outcome.kind === 'rejected' && outcome.status, 401);
    assert.equal(outcome.kind === 'rejected' && outcome.code, 'UNAUTHENTICATED');
    assert.equal(fcm.sends('always-401').length, 2);
    assert.equal(fcm.tokenRequests(), tokensBefore + 1);
  });

  test('a 200 without a name is still sent', async () => {
    const outcome = await client.send(message('sent-without-name'));
    assert.equal(outcome.kind, 'sent');
  });

  test('a connection cut before the answer rejects the send', async () => {
    const dropping = await startScriptedFcm(() => ({ status: 200, drop: true }));
    try {
      const account = createServiceAccount({ projectId: 'wa-push', tokenUri: dropping.tokenUri });
      const cut = createFcmClient({
        credentials: scriptedCredentials(account, dropping.tokenUri),
        baseUrl: dropping.url,
      });
      await assert.rejects(cut.send(message(`device-${randomUUID()}`)));
    } finally {
      await dropping.close();
    }
  });
});
