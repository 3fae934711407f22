import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, createHmac } from 'node:crypto';
import {
  createAccessTokens,
  hashRefreshToken,
  newRefreshToken,
} from '../src/service/access-tokens.ts';

const tokens = createAccessTokens('a-secret-of-sufficient-length', 900);
const userId = randomUUID();

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('a signed token verifies with exactly the PRD claims', async () => {
  const jwt = await tokens.sign(userId, '+14155550123');
  const claims = await tokens.verify(jwt);
  assert.equal(claims?.userId, userId);
  assert.equal(claims?.phone, '+14155550123');
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
  assert.deepEqual(Object.keys(payload).sort(), ['exp', 'iat', 'phone', 'sub']);
  assert.equal((payload.exp as number) - (payload.iat as number), 900);
});

test('rejects an expired token', async () => {
  const jwt = await tokens.sign(userId, '+14155550123', Math.floor(Date.now() / 1000) - 1000);
  assert.equal(await tokens.verify(jwt), undefined);
});

test('rejects a token signed with another key', async () => {
  const other = createAccessTokens('another-secret-of-enough-length', 900);
  assert.equal(await tokens.verify(await other.sign(userId, '+14155550123')), undefined);
});

test('rejects alg none', async () => {
  const now = Math.floor(Date.now() / 1000);
  const jwt = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: userId, phone: '+1', iat: now, exp: now + 900 })}.`;
  assert.equal(await tokens.verify(jwt), undefined);
});

test('rejects a tampered payload', async () => {
  const [header, , signature] = (await tokens.sign(userId, '+14155550123')).split('.');
  const now = Math.floor(Date.now() / 1000);
  const forged = `${header}.${b64({ sub: randomUUID(), phone: '+14155550123', iat: now, exp: now + 900 })}.${signature}`;
  assert.equal(await tokens.verify(forged), undefined);
});

test('rejects a correctly signed token whose subject is not a UUID', async () => {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'admin', phone: '+1', iat: now, exp: now + 900 })}`;
  const sig = createHmac('sha256', 'a-secret-of-sufficient-length')
    .update(unsigned)
    .digest('base64url');
  assert.equal(await tokens.verify(`${unsigned}.${sig}`), undefined);
});

test('rejects garbage', async () => {
  for (const bad of ['', 'abc', 'a.b.c', 'Bearer x'])
    assert.equal(await tokens.verify(bad), undefined);
});

test('refresh tokens are random and stored only as SHA-256 hex', () => {
  const a = newRefreshToken();
  assert.notEqual(a, newRefreshToken());
  assert.match(hashRefreshToken(a), /^[0-9a-f]{64}$/);
  assert.notEqual(hashRefreshToken(a), a);
});
