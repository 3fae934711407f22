import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createServiceAccount,
  startFcmEmulator,
  writeServiceAccountFile,
  type FcmEmulator,
  type RecordedPush,
  type ServiceAccount,
} from '@wa/pkg/fcm-emulator';

/** The JSON bodies the emulator answers, loosely: each test reads the fields it expects. */
interface TokenAnswer {
  access_token?: string;
  expires_in?: number;
  token_type?: string;
  error?: string;
  error_description?: string;
}
interface ErrorDetail {
  '@type': string;
  errorCode?: string;
  fieldViolations?: { field?: string; description: string }[];
}
interface GoogleError {
  code: number;
  message: string;
  status: string;
  details: ErrorDetail[];
}
/** `name` on success, `error` on failure; typed as both so assertions read either directly. */
interface SendAnswer {
  name: string;
  error: GoogleError;
}

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MESSAGING_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** A clock the test moves by hand, so tokens expire without waiting. */
function manualClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a service-account assertion as google-auth-library does; overrides make it bad. */
function signAssertion(
  account: ServiceAccount,
  nowMs: number,
  claims: Record<string, unknown> = {},
  privateKey = account.private_key,
): string {
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: account.private_key_id };
  const payload = {
    iss: account.client_email,
    scope: `https://www.googleapis.com/auth/cloud-platform ${MESSAGING_SCOPE}`,
    aud: account.token_uri,
    iat,
    exp: iat + 3600,
    ...claims,
  };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey, 'base64url');
  return `${signingInput}.${signature}`;
}

async function requestToken(emulator: FcmEmulator, form: Record<string, string>) {
  const response = await fetch(`${emulator.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer };
}

async function accessTokenFor(emulator: FcmEmulator, account: ServiceAccount, nowMs: number) {
  const { status, body } = await requestToken(emulator, {
    grant_type: JWT_BEARER_GRANT,
    assertion: signAssertion(account, nowMs),
  });
  assert.equal(status, 200, JSON.stringify(body));
  return body.access_token!;
}

async function send(
  emulator: FcmEmulator,
  projectId: string,
  accessToken: string | undefined,
  body: unknown,
) {
  const response = await fetch(`${emulator.url}/v1/projects/${projectId}/messages:send`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(accessToken !== undefined && { authorization: `Bearer ${accessToken}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as SendAnswer,
  };
}

async function recorded(emulator: FcmEmulator, token?: string) {
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  const response = await fetch(`${emulator.url}/emulator/messages${query}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { messages: RecordedPush[] }).messages;
}

const freshToken = (prefix = 'device') => `${prefix}-${randomUUID()}`;

describe('fcm emulator', () => {
  const clock = manualClock();
  let emulator: FcmEmulator;
  let account: ServiceAccount;
  let accessToken: string;

  before(async () => {
    emulator = await startFcmEmulator({ now: clock.now, tokenLifetimeSeconds: 60 });
    account = createServiceAccount({ projectId: 'wa-test', tokenUri: `${emulator.url}/token` });
    emulator.trust(account);
    accessToken = await accessTokenFor(emulator, account, clock.now());
  });
  after(() => emulator.close());

  describe('token endpoint', () => {
    test('trades a signed assertion for a bearer token like Google', async () => {
      const { status, body } = await requestToken(emulator, {
        grant_type: JWT_BEARER_GRANT,
        assertion: signAssertion(account, clock.now()),
      });
      assert.equal(status, 200);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 60);
      assert.equal(typeof body.access_token, 'string');
      assert.ok(body.access_token!.length > 20);
    });

    test('refuses an assertion signed by another key with invalid_grant', async () => {
      const stranger = createServiceAccount({ projectId: 'wa-test', tokenUri: account.token_uri });
      const assertion = signAssertion(account, clock.now(), {}, stranger.private_key);
      const { status, body } = await requestToken(emulator, {
        grant_type: JWT_BEARER_GRANT,
        assertion,
      });
      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description!, /Signature/);
    });

    test('refuses an unknown issuer with invalid_grant', async () => {
      const assertion = signAssertion(account, clock.now(), {
        iss: 'who@elsewhere.iam.gserviceaccount.com',
      });
      const { status, body } = await requestToken(emulator, {
        grant_type: JWT_BEARER_GRANT,
        assertion,
      });
      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_grant');
    });

    test('refuses an expired or over-long assertion with invalid_grant', async () => {
      const iat = Math.floor(clock.now() / 1000);
      for (const claims of [
        { iat: iat - 7200, exp: iat - 3600 },
        { iat, exp: iat + 7200 },
        { iat: iat + 3600, exp: iat + 4000 },
      ]) {
        const assertion = signAssertion(account, clock.now(), claims);
        const { status, body } = await requestToken(emulator, {
          grant_type: JWT_BEARER_GRANT,
          assertion,
        });
        assert.equal(status, 400, JSON.stringify(claims));
        assert.equal(body.error, 'invalid_grant');
      }
    });

    test('refuses another audience and a scope without messaging', async () => {
      const wrongAudience = signAssertion(account, clock.now(), {
        aud: 'https://oauth2.googleapis.com/token',
      });
      const noScope = signAssertion(account, clock.now(), {
        scope: 'https://www.googleapis.com/auth/userinfo.email',
      });
      const audience = await requestToken(emulator, {
        grant_type: JWT_BEARER_GRANT,
        assertion: wrongAudience,
      });
      assert.deepEqual([audience.status, audience.body.error], [400, 'invalid_grant']);
      const scope = await requestToken(emulator, {
        grant_type: JWT_BEARER_GRANT,
        assertion: noScope,
      });
      assert.deepEqual([scope.status, scope.body.error], [400, 'invalid_scope']);
    });

    test('refuses another grant type, and a missing or garbled assertion', async () => {
      const grant = await requestToken(emulator, {
        grant_type: 'client_credentials',
        assertion: 'x',
      });
      assert.deepEqual([grant.status, grant.body.error], [400, 'unsupported_grant_type']);
      const missing = await requestToken(emulator, { grant_type: JWT_BEARER_GRANT });
      assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
      const garbled = await requestToken(emulator, {
        grant_type: JWT_BEARER_GRANT,
        assertion: 'a.b.c',
      });
      assert.deepEqual([garbled.status, garbled.body.error], [400, 'invalid_grant']);
    });
  });

  describe('messages:send', () => {
    test('delivers a valid message and records it for its token', async () => {
      const token = freshToken();
      const message = {
        token,
        data: { type: 'message', chat_id: 'c1', count: '3' },
        notification: { title: 'Ana', body: 'hi' },
        android: { priority: 'high', ttl: '86400s', collapse_key: 'c1' },
        apns: { headers: { 'apns-priority': '10' } },
      };
      const { status, body } = await send(emulator, 'wa-test', accessToken, { message });
      assert.equal(status, 200);
      assert.match(body.name, /^projects\/wa-test\/messages\/0:\d+%[0-9a-f]+$/);

      const pushes = await recorded(emulator, token);
      assert.equal(pushes.length, 1);
      assert.deepEqual(pushes[0], {
        received_at: new Date(clock.now()).toISOString(),
        project_id: 'wa-test',
        status: 200,
        message,
      });
      assert.deepEqual(emulator.messages(token), pushes);
    });

    test('gives every delivery its own id, and validate_only a fake one', async () => {
      const token = freshToken();
      const first = await send(emulator, 'wa-test', accessToken, { message: { token } });
      const second = await send(emulator, 'wa-test', accessToken, { message: { token } });
      assert.notEqual(first.body.name, second.body.name);
      const dryRun = await send(emulator, 'wa-test', accessToken, {
        message: { token },
        validate_only: true,
      });
      assert.equal(dryRun.status, 200);
      assert.equal(dryRun.body.name, 'projects/wa-test/messages/fake_message_id');
      assert.equal((await recorded(emulator, token)).length, 3);
    });

    const invalidBodies: [string, unknown, string | undefined][] = [
      ['body is not JSON', '{"message":', undefined],
      ['message is missing', {}, 'message'],
      ['unknown request field', { message: { token: 't' }, dry_run: true }, 'dry_run'],
      ['token is missing', { message: { data: { a: 'b' } } }, 'message.token'],
      ['token is empty', { message: { token: '' } }, 'message.token'],
      ['token is not a string', { message: { token: 42 } }, 'message.token'],
      [
        'a data value is a number',
        { message: { token: 't', data: { count: 3 } } },
        'message.data.count',
      ],
      ['data is not an object', { message: { token: 't', data: ['a'] } }, 'message.data'],
      [
        'data key "from" is reserved',
        { message: { token: 't', data: { from: 'x' } } },
        'message.data.from',
      ],
      [
        'data key "message_type" is reserved',
        { message: { token: 't', data: { message_type: 'text' } } },
        'message.data.message_type',
      ],
      [
        'data key "google.*" is reserved',
        { message: { token: 't', data: { 'google.x': 'y' } } },
        'message.data.google.x',
      ],
      [
        'data key "gcm.notification.*" is reserved',
        { message: { token: 't', data: { 'gcm.notification.body': 'y' } } },
        'message.data.gcm.notification.body',
      ],
      [
        'android.ttl is not a duration',
        { message: { token: 't', android: { ttl: '3600' } } },
        'message.android.ttl',
      ],
      [
        'android.ttl has ten decimals',
        { message: { token: 't', android: { ttl: '1.0123456789s' } } },
        'message.android.ttl',
      ],
      [
        'android.priority is unknown',
        { message: { token: 't', android: { priority: 'urgent' } } },
        'message.android.priority',
      ],
      ['unknown message field', { message: { token: 't', priority: 'high' } }, 'message.priority'],
      [
        'notification is not an object',
        { message: { token: 't', notification: 'hi' } },
        'message.notification',
      ],
      ['token and topic together', { message: { token: 't', topic: 'news' } }, 'message'],
    ];
    for (const [name, body, field] of invalidBodies) {
      test(`answers 400 INVALID_ARGUMENT when ${name}`, async () => {
        const answer = await send(emulator, 'wa-test', accessToken, body);
        assert.equal(answer.status, 400);
        const { error } = answer.body;
        assert.equal(error.code, 400);
        assert.equal(error.status, 'INVALID_ARGUMENT');
        assert.equal(typeof error.message, 'string');
        const fcmError = error.details.find((d) => d['@type'].endsWith('fcm.v1.FcmError'));
        assert.equal(fcmError?.errorCode, 'INVALID_ARGUMENT');
        const badRequest = error.details.find((d) => d['@type'].endsWith('google.rpc.BadRequest'));
        const [violation] = badRequest?.fieldViolations ?? [];
        assert.equal(violation?.field, field);
        assert.equal(typeof violation?.description, 'string');
      });
    }

    test('accepts both cases of android priority and fractional ttl', async () => {
      for (const android of [
        { priority: 'NORMAL' },
        { priority: 'normal', ttl: '0.5s' },
        { ttl: '1.123456789s' },
      ]) {
        const { status } = await send(emulator, 'wa-test', accessToken, {
          message: { token: freshToken(), android },
        });
        assert.equal(status, 200, JSON.stringify(android));
      }
    });

    test('answers 401 UNAUTHENTICATED without a bearer or with an unknown one', async () => {
      for (const bearer of [undefined, 'ya29.not-issued-here']) {
        const { status, headers, body } = await send(emulator, 'wa-test', bearer, {
          message: { token: 't' },
        });
        assert.equal(status, 401);
        assert.equal(body.error.code, 401);
        assert.equal(body.error.status, 'UNAUTHENTICATED');
        assert.match(headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    });

    test('answers 403 SENDER_ID_MISMATCH for a token of another project', async () => {
      const { status, body } = await send(emulator, 'someone-else', accessToken, {
        message: { token: 't' },
      });
      assert.equal(status, 403);
      assert.equal(body.error.status, 'PERMISSION_DENIED');
      assert.equal(body.error.details[0].errorCode, 'SENDER_ID_MISMATCH');
    });

    test('answers 404 UNREGISTERED for every send to an unregistered- token', async () => {
      const token = freshToken('unregistered');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const { status, body } = await send(emulator, 'wa-test', accessToken, {
          message: { token },
        });
        assert.equal(status, 404);
        assert.equal(body.error.status, 'NOT_FOUND');
        assert.equal(body.error.details[0].errorCode, 'UNREGISTERED');
      }
    });

    test('answers 503 twice to an unavailable- token, then delivers; all attempts recorded', async () => {
      const token = freshToken('unavailable');
      const statuses = [];
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const { status, body } = await send(emulator, 'wa-test', accessToken, {
          message: { token },
        });
        statuses.push(status);
        if (status === 503) assert.equal(body.error.details[0].errorCode, 'UNAVAILABLE');
      }
      assert.deepEqual(statuses, [503, 503, 200]);
      assert.deepEqual(
        (await recorded(emulator, token)).map((push) => push.status),
        [503, 503, 200],
      );
    });

    test('throttles a quota- token once with Retry-After, then delivers', async () => {
      const token = freshToken('quota');
      const throttled = await send(emulator, 'wa-test', accessToken, { message: { token } });
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get('retry-after'), '1');
      assert.equal(throttled.body.error.status, 'RESOURCE_EXHAUSTED');
      assert.equal(throttled.body.error.details[0].errorCode, 'QUOTA_EXCEEDED');
      assert.equal(
        (await send(emulator, 'wa-test', accessToken, { message: { token } })).status,
        200,
      );
    });

    test('records refused attempts too, with the status they got', async () => {
      const token = freshToken();
      await send(emulator, 'wa-test', undefined, { message: { token } });
      await send(emulator, 'wa-test', accessToken, { message: { token, data: { n: 1 } } });
      assert.deepEqual(
        (await recorded(emulator, token)).map((push) => push.status),
        [401, 400],
      );
    });

    test('refuses a body over 1 MB with 413 and keeps serving', async () => {
      const huge = { message: { token: 't', data: { blob: 'x'.repeat(1024 * 1024 + 1) } } };
      const { status } = await send(emulator, 'wa-test', accessToken, huge);
      assert.equal(status, 413);
      assert.equal(
        (await send(emulator, 'wa-test', accessToken, { message: { token: 't' } })).status,
        200,
      );
    });
  });

  describe('routes', () => {
    test('answers 404 JSON for unknown routes and 405 for wrong methods', async () => {
      const unknown = await fetch(`${emulator.url}/v1/nothing`);
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as SendAnswer).error.code, 404);
      for (const [method, path] of [
        ['GET', '/token'],
        ['GET', '/v1/projects/wa-test/messages:send'],
        ['POST', '/emulator/messages'],
      ] as const) {
        const response = await fetch(`${emulator.url}${path}`, { method });
        assert.equal(response.status, 405, `${method} ${path}`);
        await response.body?.cancel();
      }
    });
  });
});

describe('fcm emulator state', () => {
  test('DELETE /emulator/messages clears the record and the attempt counters', async () => {
    const clock = manualClock();
    const emulator = await startFcmEmulator({ now: clock.now });
    try {
      const account = createServiceAccount({
        projectId: 'wa-test',
        tokenUri: `${emulator.url}/token`,
      });
      emulator.trust(account);
      const accessToken = await accessTokenFor(emulator, account, clock.now());
      const token = freshToken('unavailable');
      await send(emulator, 'wa-test', accessToken, { message: { token } });
      await send(emulator, 'wa-test', accessToken, { message: { token: freshToken() } });
      assert.equal((await recorded(emulator)).length, 2);

      const cleared = await fetch(`${emulator.url}/emulator/messages`, { method: 'DELETE' });
      assert.equal(cleared.status, 204);
      assert.deepEqual(await recorded(emulator), []);
      // The counter restarted, so the first attempt after clearing fails again.
      assert.equal(
        (await send(emulator, 'wa-test', accessToken, { message: { token } })).status,
        503,
      );
    } finally {
      await emulator.close();
    }
  });

  test('refuses an access token once its lifetime has passed', async () => {
    const clock = manualClock();
    const emulator = await startFcmEmulator({ now: clock.now, tokenLifetimeSeconds: 5 });
    try {
      const account = createServiceAccount({
        projectId: 'wa-test',
        tokenUri: `${emulator.url}/token`,
      });
      emulator.trust(account);
      const accessToken = await accessTokenFor(emulator, account, clock.now());
      const message = { message: { token: freshToken() } };
      clock.advance(4_000);
      assert.equal((await send(emulator, 'wa-test', accessToken, message)).status, 200);
      clock.advance(1_000);
      const expired = await send(emulator, 'wa-test', accessToken, message);
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error.status, 'UNAUTHENTICATED');
    } finally {
      await emulator.close();
    }
  });

  test('trusts the accounts it starts with, keyed by their token_uri audience', async () => {
    const clock = manualClock();
    const account = createServiceAccount({
      projectId: 'wa-other',
      tokenUri: 'http://localhost:1/token',
      clientEmail: 'sender@wa-other.iam.gserviceaccount.com',
    });
    const emulator = await startFcmEmulator({ now: clock.now, accounts: [account] });
    try {
      const accessToken = await accessTokenFor(emulator, account, clock.now());
      const { status, body } = await send(emulator, 'wa-other', accessToken, {
        message: { token: 't' },
      });
      assert.equal(status, 200);
      assert.match(body.name, /^projects\/wa-other\/messages\//);
    } finally {
      await emulator.close();
    }
  });
});

describe('service accounts', () => {
  test('look like the key files Google issues', () => {
    const account = createServiceAccount({
      projectId: 'wa-local',
      tokenUri: 'http://127.0.0.1:8095/token',
    });
    assert.equal(account.type, 'service_account');
    assert.equal(account.project_id, 'wa-local');
    assert.equal(account.client_email, 'push@wa-local.iam.gserviceaccount.com');
    assert.equal(account.token_uri, 'http://127.0.0.1:8095/token');
    assert.equal(account.universe_domain, 'googleapis.com');
    assert.match(account.private_key, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(account.private_key_id, /^[0-9a-f]{40}$/);
    assert.match(account.client_id, /^\d{21}$/);
  });

  test('are written readable by their owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fcm-emulator-'));
    try {
      const path = join(dir, 'account.json');
      const account = createServiceAccount({
        projectId: 'wa-local',
        tokenUri: 'http://127.0.0.1:1/token',
      });
      await writeServiceAccountFile(path, account);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), account);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
