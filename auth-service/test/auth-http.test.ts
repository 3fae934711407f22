import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { expectError, inject, randomPhone, type Envelope } from '@wa/pkg/testing';
import { startAuthApp } from './helpers.ts';

type Started = Awaited<ReturnType<typeof startAuthApp>>;
let h: Started;

before(async () => {
  h = await startAuthApp();
});
after(async () => {
  await h.close();
});

type AuthData = Record<string, unknown> & { user?: Record<string, unknown> };

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  inject<AuthData>(h.app, { method: 'POST', url, body, headers });

async function login(phone = randomPhone()) {
  assert.equal((await post('/api/v1/auth/request-otp', { phone })).status, 200);
  const verified = await post('/api/v1/auth/verify-otp', { phone, otp: '123456' });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  return verified.body.data as {
    access_token: string;
    refresh_token: string;
    user: { id: string; is_new_user: boolean };
  };
}

const assertError = (res: { status: number; body: Envelope }, status: number, code: string) =>
  void expectError(res, status, code);

describe('request-otp', () => {
  test('sends an OTP for a valid phone in the envelope', async () => {
    const res = await post('/api/v1/auth/request-otp', {
      phone: randomPhone(),
      country_code: '+49',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.equal(res.body.error, null);
    assert.equal(res.body.data.expires_in_seconds, 300);
    assert.equal(res.headers['x-request-id'], res.body.meta.request_id);
  });

  test('stores only a bcrypt hash under otp:<phone> with a 5-minute TTL', async () => {
    const phone = randomPhone();
    await post('/api/v1/auth/request-otp', { phone });
    const stored = await h.redis.get(`otp:${phone}`);
    assert.match(stored ?? '', /^\$2[aby]\$/);
    const ttl = await h.redis.ttl(`otp:${phone}`);
    assert.ok(ttl > 290 && ttl <= 300, String(ttl));
  });

  test('keeps an incoming X-Request-Id', async () => {
    const res = await post(
      '/api/v1/auth/request-otp',
      { phone: randomPhone() },
      { 'x-request-id': 'trace-abc-123' },
    );
    assert.equal(res.body.meta.request_id, 'trace-abc-123');
    assert.equal(res.headers['x-request-id'], 'trace-abc-123');
  });

  test('rejects an invalid phone with 400', async () => {
    assertError(
      await post('/api/v1/auth/request-otp', { phone: '+1234567890' }),
      400,
      'VALIDATION_ERROR',
    );
    assertError(
      await post('/api/v1/auth/request-otp', { phone: 'hello' }),
      400,
      'VALIDATION_ERROR',
    );
  });

  test('rejects a missing phone with 400 naming the field', async () => {
    const res = await post('/api/v1/auth/request-otp', {});
    assertError(res, 400, 'VALIDATION_ERROR');
    assert.ok(res.body.error?.details?.some((d) => d.field === 'body.phone'));
  });

  test('rejects unknown fields and wrong types with 400', async () => {
    assertError(
      await post('/api/v1/auth/request-otp', { phone: randomPhone(), admin: true }),
      400,
      'VALIDATION_ERROR',
    );
    assertError(
      await post('/api/v1/auth/request-otp', { phone: ['+4915112345678'] }),
      400,
      'VALIDATION_ERROR',
    );
  });

  test('rejects malformed JSON with 400', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/request-otp',
      payload: '{"phone": ',
      headers: { 'content-type': 'application/json' },
    });
    assertError(
      { status: response.statusCode, body: response.json<Envelope>() },
      400,
      'VALIDATION_ERROR',
    );
  });

  test('rejects a non-JSON content type with 415', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/request-otp',
      payload: 'phone=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertError(
      { status: response.statusCode, body: response.json<Envelope>() },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  test('answers the 4th send within 5 minutes with 429 and Retry-After', async () => {
    const phone = randomPhone();
    for (let i = 0; i < 3; i++)
      assert.equal((await post('/api/v1/auth/request-otp', { phone })).status, 200);
    const fourth = await post('/api/v1/auth/request-otp', { phone });
    assertError(fourth, 429, 'RATE_LIMITED');
    const retryAfter = Number(fourth.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 300, String(retryAfter));
  });

  test('an unknown route answers a 404 envelope', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/api/v1/auth/nope' });
    assertError({ status: response.statusCode, body: response.json<Envelope>() }, 404, 'NOT_FOUND');
  });
});

describe('verify-otp', () => {
  test('creates the user on first login and reports is_new_user', async () => {
    const phone = randomPhone();
    const first = await login(phone);
    assert.equal(first.user.is_new_user, true);
    const second = await login(phone);
    assert.equal(second.user.is_new_user, false);
    assert.equal(second.user.id, first.user.id);
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM users WHERE phone = $1', [
      phone,
    ]);
    assert.equal(rows[0].n, 1);
  });

  test('a code is single-use', async () => {
    const phone = randomPhone();
    await login(phone);
    assertError(
      await post('/api/v1/auth/verify-otp', { phone, otp: '123456' }),
      401,
      'UNAUTHORIZED',
    );
  });

  test('rejects a wrong OTP with 401', async () => {
    const phone = randomPhone();
    await post('/api/v1/auth/request-otp', { phone });
    assertError(
      await post('/api/v1/auth/verify-otp', { phone, otp: '000000' }),
      401,
      'UNAUTHORIZED',
    );
  });

  test('rejects an OTP that was never requested with 401', async () => {
    assertError(
      await post('/api/v1/auth/verify-otp', { phone: randomPhone(), otp: '123456' }),
      401,
      'UNAUTHORIZED',
    );
  });

  test('rejects a malformed OTP with 400', async () => {
    assertError(
      await post('/api/v1/auth/verify-otp', { phone: randomPhone(), otp: '12ab56' }),
      400,
      'VALIDATION_ERROR',
    );
    assertError(
      await post('/api/v1/auth/verify-otp', { phone: randomPhone() }),
      400,
      'VALIDATION_ERROR',
    );
  });

  test('burns the code after 5 wrong attempts and answers the 6th with 429', async () => {
    const phone = randomPhone();
    await post('/api/v1/auth/request-otp', { phone });
    for (let i = 0; i < 5; i++) {
      assertError(
        await post('/api/v1/auth/verify-otp', { phone, otp: '000000' }),
        401,
        'UNAUTHORIZED',
      );
    }
    assert.equal(await h.redis.get(`otp:${phone}`), null, 'code burnt');
    const sixth = await post('/api/v1/auth/verify-otp', { phone, otp: '123456' });
    assertError(sixth, 429, 'RATE_LIMITED');
    assert.ok(Number(sixth.headers['retry-after']) > 0);
  });

  test('concurrent verifies of one code log in exactly once', async () => {
    const phone = randomPhone();
    await post('/api/v1/auth/request-otp', { phone });
    const results = await Promise.all(
      Array.from({ length: 4 }, () => post('/api/v1/auth/verify-otp', { phone, otp: '123456' })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.ok(results.every((r) => r.status === 200 || r.status === 401));
  });
});

describe('refresh and logout', () => {
  test('refresh rotates the token; the old one is rejected and revokes the family', async () => {
    const session = await login();
    const rotated = await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token });
    assert.equal(rotated.status, 200);
    const next = rotated.body.data as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
    };
    assert.notEqual(next.refresh_token, session.refresh_token);
    assert.equal(next.expires_in, 900);

    assertError(
      await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token }),
      401,
      'UNAUTHORIZED',
    );
    // Reuse of the rotated token is treated as theft: the newest token of the family dies too.
    assertError(
      await post('/api/v1/auth/refresh', { refresh_token: next.refresh_token }),
      401,
      'UNAUTHORIZED',
    );
  });

  test('stores refresh tokens only as SHA-256 hashes', async () => {
    const session = await login();
    const { rows } = await h.pool.query(
      'SELECT token_hash FROM refresh_tokens WHERE user_id = $1',
      [session.user.id],
    );
    assert.ok(rows.length >= 1);
    for (const row of rows) {
      assert.match(row.token_hash as string, /^[0-9a-f]{64}$/);
      assert.notEqual(row.token_hash, session.refresh_token);
    }
  });

  test('rejects an unknown refresh token and a missing one', async () => {
    assertError(
      await post('/api/v1/auth/refresh', { refresh_token: 'not-a-token' }),
      401,
      'UNAUTHORIZED',
    );
    assertError(await post('/api/v1/auth/refresh', {}), 400, 'VALIDATION_ERROR');
  });

  test('rejects an expired refresh token', async () => {
    const session = await login();
    await h.pool.query(
      `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [session.user.id],
    );
    assertError(
      await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token }),
      401,
      'UNAUTHORIZED',
    );
  });

  test('logout revokes the refresh token and deletes the caller’s device token', async () => {
    const session = await login();
    await h.pool.query(`INSERT INTO device_tokens (user_id, token) VALUES ($1, $2)`, [
      session.user.id,
      `fcm-${randomUUID()}`,
    ]);
    const { rows } = await h.pool.query('SELECT token FROM device_tokens WHERE user_id = $1', [
      session.user.id,
    ]);
    const fcm = rows[0].token as string;
    const res = await post(
      '/api/v1/auth/logout',
      { refresh_token: session.refresh_token, fcm_token: fcm },
      { 'x-user-id': session.user.id },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.data.message, 'Logged out successfully');
    assertError(
      await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token }),
      401,
      'UNAUTHORIZED',
    );
    const left = await h.pool.query('SELECT 1 FROM device_tokens WHERE token = $1', [fcm]);
    assert.equal(left.rowCount, 0);
  });

  test('logout cannot revoke another user’s refresh token', async () => {
    const victim = await login();
    const attacker = await login();
    await post(
      '/api/v1/auth/logout',
      { refresh_token: victim.refresh_token },
      { 'x-user-id': attacker.user.id },
    );
    assert.equal(
      (await post('/api/v1/auth/refresh', { refresh_token: victim.refresh_token })).status,
      200,
    );
  });

  test('logout without the gateway identity is 401', async () => {
    assertError(await post('/api/v1/auth/logout', {}), 401, 'UNAUTHORIZED');
    assertError(
      await post('/api/v1/auth/logout', {}, { 'x-user-id': 'not-a-uuid' }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('health', () => {
  test('/health and /ready answer in the envelope', async () => {
    const health = await h.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json<Envelope>().data.checks, { postgres: 'ok', redis: 'ok' });
  });

  test('/metrics exposes per-route request counts', async () => {
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /http_requests_total\{[^}]*route="\/api\/v1\/auth\/request-otp"/);
  });
});
