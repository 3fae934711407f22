import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { UserService, createGrpcClient, type Client } from '@wa/pkg/grpc';
import {
  expectError,
  expectOk,
  randomPhone,
  request,
  startStack,
  type Envelope,
  type Stack,
} from '@wa/pkg/testing';

let gateway = '';
let userRpc: Client<typeof UserService>;
let stack: Stack | undefined;

interface Session {
  id: string;
  phone: string;
  token: string;
}

before(async () => {
  stack = await startStack({ services: ['user-service'] });
  gateway = stack.gateway;
  userRpc = createGrpcClient(UserService, { address: stack.grpc('user-service') });
});

after(async () => {
  await stack?.stop();
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const call = (
  session: Session | undefined,
  method: Method,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => request(gateway, { token: session?.token, method, url, body, headers });

/** Logs a new user in through the gateway with the mock provider's fixed code. */
async function login(): Promise<Session> {
  const phone = randomPhone();
  expectOk(await call(undefined, 'POST', '/api/v1/auth/request-otp', { phone }));
  const data = expectOk(
    await call(undefined, 'POST', '/api/v1/auth/verify-otp', { phone, otp: '123456' }),
  );
  return { id: data.user.id, phone, token: data.access_token };
}

describe('profiles through the gateway', () => {
  test('the user auth created on first login is the one /users/me returns and updates', async () => {
    const me = await login();
    const profile = expectOk(await call(me, 'GET', '/api/v1/users/me'));
    assert.equal(profile.id, me.id);
    assert.equal(profile.phone, me.phone);
    const updated = expectOk(
      await call(me, 'PATCH', '/api/v1/users/me', {
        display_name: 'E2E Alice',
        avatar_url: 'https://cdn.example.com/alice.jpg',
      }),
    );
    assert.equal(updated.display_name, 'E2E Alice');
    assert.equal(updated.status_text, profile.status_text);
  });

  test('a forged X-User-Id cannot change another user’s profile, settings or tokens', async () => {
    const [me, victim] = await Promise.all([login(), login()]);
    const forged = { 'x-user-id': victim.id, 'x-user-phone': victim.phone };
    expectOk(await call(me, 'PATCH', '/api/v1/users/me', { display_name: 'Mine' }, forged));
    expectOk(await call(me, 'PUT', '/api/v1/users/me/privacy', { about: 'nobody' }, forged));
    const token = `fcm-${randomUUID()}`;
    expectOk(await call(victim, 'PUT', '/api/v1/users/me/fcm-token', { token }));
    const deleted = expectOk(
      await call(me, 'DELETE', '/api/v1/users/me/fcm-token', { token }, forged),
    );
    assert.equal(deleted.deleted, false);

    const victimProfile = expectOk(await call(victim, 'GET', '/api/v1/users/me'));
    assert.notEqual(victimProfile.display_name, 'Mine');
    assert.equal(expectOk(await call(victim, 'GET', '/api/v1/users/me/privacy')).about, 'everyone');
    assert.equal(expectOk(await call(me, 'GET', '/api/v1/users/me')).display_name, 'Mine');
    assert.equal(
      expectOk(await call(victim, 'DELETE', '/api/v1/users/me/fcm-token', { token })).deleted,
      true,
    );
    expectError(
      await call(me, 'PATCH', `/api/v1/users/${victim.id}`, { display_name: 'x' }),
      404,
      'NOT_FOUND',
    );
  });

  test('without a token every user route is 401 at the gateway', async () => {
    expectError(await call(undefined, 'GET', '/api/v1/users/me'), 401, 'UNAUTHORIZED');
    expectError(
      await call(undefined, 'GET', '/api/v1/users/me', undefined, { 'x-user-id': randomUUID() }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('privacy matrix through the gateway', () => {
  const settings = ['everyone', 'contacts', 'nobody'] as const;
  for (const setting of settings) {
    test(`${setting}: contact, non-contact and blocked viewers`, async () => {
      const [owner, contact, stranger, blocked] = await Promise.all([
        login(),
        login(),
        login(),
        login(),
      ]);
      expectOk(
        await call(owner, 'PATCH', '/api/v1/users/me', {
          avatar_url: 'https://cdn.example.com/owner.jpg',
          status_text: 'Owner about',
        }),
      );
      expectOk(
        await call(owner, 'POST', '/api/v1/users/contacts/sync', {
          phone_numbers: [contact.phone, blocked.phone],
        }),
      );
      expectOk(await call(owner, 'POST', `/api/v1/users/${blocked.id}/block`));
      expectOk(
        await call(owner, 'PUT', '/api/v1/users/me/privacy', {
          last_seen: setting,
          profile_photo: setting,
          about: setting,
        }),
      );
      await userRpc.setPresence({ userId: owner.id, instanceId: 'e2e-ws', online: true });
      await userRpc.setPresence({ userId: owner.id, instanceId: 'e2e-ws', online: false });

      const expected = {
        contact: setting !== 'nobody',
        stranger: setting === 'everyone',
        blocked: false,
      };
      for (const [name, viewer] of [
        ['contact', contact],
        ['stranger', stranger],
        ['blocked', blocked],
      ] as const) {
        const shown = expected[name];
        const profile = expectOk(await call(viewer, 'GET', `/api/v1/users/${owner.id}`));
        assert.equal(profile.avatar_url, shown ? 'https://cdn.example.com/owner.jpg' : '', name);
        assert.equal(profile.status_text, shown ? 'Owner about' : '', name);
        const presence = expectOk(await call(viewer, 'GET', `/api/v1/users/${owner.id}/presence`));
        assert.equal(presence.last_seen !== null, shown, name);
      }
    });
  }
});

describe('contacts and blocking through the gateway', () => {
  test('sync returns registered users only and reports malformed numbers', async () => {
    const [me, friend] = await Promise.all([login(), login()]);
    // +49 160: a range no test or seed registers (randomPhone uses +49 151).
    const unregistered = `+49160${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const data = expectOk(
      await call(me, 'POST', '/api/v1/users/contacts/sync', {
        phone_numbers: [friend.phone, unregistered, 'call me maybe'],
      }),
    );
    assert.deepEqual(
      (data.registered_users as { user_id: string }[]).map((u) => u.user_id),
      [friend.id],
    );
    assert.deepEqual(data.invalid_numbers, ['call me maybe']);
  });

  test('block is idempotent and hides presence from the blocked user (addenda E)', async () => {
    const [me, other] = await Promise.all([login(), login()]);
    await userRpc.setPresence({ userId: me.id, instanceId: 'e2e-ws', online: true });
    assert.equal(
      expectOk(await call(other, 'GET', `/api/v1/users/${me.id}/presence`)).online,
      true,
    );
    for (let i = 0; i < 2; i++) {
      assert.equal(
        expectOk(await call(me, 'POST', `/api/v1/users/${other.id}/block`)).blocked,
        true,
      );
    }
    assert.equal(
      expectOk(await call(other, 'GET', `/api/v1/users/${me.id}/presence`)).online,
      false,
    );
    assert.equal(
      (await userRpc.checkBlocked({ blockerId: me.id, blockedId: other.id })).blocked,
      true,
    );
    for (let i = 0; i < 2; i++) {
      assert.equal(
        expectOk(await call(me, 'DELETE', `/api/v1/users/${other.id}/block`)).blocked,
        false,
      );
    }
    await userRpc.setPresence({ userId: me.id, instanceId: 'e2e-ws', online: false });
  });
});

describe('bad input on every route answers a clear 4xx envelope', () => {
  const id = randomUUID();
  const cases: [Method, string, unknown, number, string][] = [
    ['PATCH', '/api/v1/users/me', { nickname: 'x' }, 400, 'VALIDATION_ERROR'],
    ['PATCH', '/api/v1/users/me', '{"display_name":', 400, 'VALIDATION_ERROR'],
    ['PATCH', '/api/v1/users/me', { avatar_url: 'javascript:alert(1)' }, 400, 'VALIDATION_ERROR'],
    ['GET', '/api/v1/users/not-a-uuid', undefined, 400, 'VALIDATION_ERROR'],
    ['GET', `/api/v1/users/${id}`, undefined, 404, 'NOT_FOUND'],
    ['GET', '/api/v1/users/me/privacy?verbose=1', undefined, 400, 'VALIDATION_ERROR'],
    ['PUT', '/api/v1/users/me/privacy', { last_seen: 'friends' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/users/contacts/sync', { phone_numbers: [] }, 400, 'VALIDATION_ERROR'],
    [
      'POST',
      '/api/v1/users/contacts/sync',
      { phone_numbers: Array.from({ length: 5_001 }, () => '+4915100000000') },
      400,
      'VALIDATION_ERROR',
    ],
    ['POST', `/api/v1/users/${id}/block`, undefined, 404, 'NOT_FOUND'],
    ['DELETE', '/api/v1/users/xyz/block', undefined, 400, 'VALIDATION_ERROR'],
    ['GET', '/api/v1/users/123/presence', undefined, 400, 'VALIDATION_ERROR'],
    [
      'PUT',
      '/api/v1/users/me/fcm-token',
      { token: 'a', platform: 'symbian' },
      400,
      'VALIDATION_ERROR',
    ],
    ['DELETE', '/api/v1/users/me/fcm-token', {}, 400, 'VALIDATION_ERROR'],
  ];
  for (const [method, path, body, status, code] of cases) {
    test(`${method} ${path.slice(0, 60)} ${typeof body === 'string' ? '(malformed JSON) ' : ''}→ ${status}`, async () => {
      const me = await login();
      expectError(await call(me, method, path, body), status, code);
    });
  }

  test('blocking yourself is 400', async () => {
    const me = await login();
    expectError(await call(me, 'POST', `/api/v1/users/${me.id}/block`), 400, 'VALIDATION_ERROR');
  });
});

test('gateway /health reports the user-service up', async () => {
  const res = await fetch(`${gateway}/health`);
  const body = (await res.json()) as Envelope;
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.match(JSON.stringify(body.data), /user-service/);
});
