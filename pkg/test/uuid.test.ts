import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { Uuid, createHttpServer, isUuid, normaliseUuid, ok } from '@wa/pkg/http';
import { testLogger } from '@wa/pkg/testing';
import { lowerCaseUuids } from '@wa/pkg/uuid';
import { parseClientFrame } from '@wa/pkg/ws';

const upper = () => randomUUID().toUpperCase();

test('isUuid takes 8-4-4-4-12 hex in any case and nothing else', () => {
  assert.ok(isUuid(randomUUID()));
  assert.ok(isUuid(upper()));
  for (const bad of ['', 'abc', `urn:uuid:${randomUUID()}`, `${randomUUID()}0`, ` ${randomUUID()}`])
    assert.equal(isUuid(bad), false, bad);
  assert.equal(isUuid(42), false);
  assert.equal(isUuid(undefined), false);
});

test('normaliseUuid lower-cases a UUID and refuses anything else', () => {
  const id = upper();
  assert.equal(normaliseUuid(id), id.toLowerCase());
  assert.equal(normaliseUuid('nope'), undefined);
  assert.equal(normaliseUuid(null), undefined);
});

test('Uuid() in params, query and body reaches the handler lower-cased', async () => {
  const app = createHttpServer({ service: 'test-service', log: testLogger() });
  app.post(
    '/things/:id',
    {
      schema: {
        params: Type.Object({ id: Uuid() }),
        querystring: Type.Object({ ids: Type.Optional(Type.Array(Uuid())) }),
        body: Type.Object({
          one: Uuid(),
          many: Type.Array(Uuid()),
          maybe: Type.Optional(Type.Union([Uuid(), Type.Null()])),
        }),
      },
    },
    async (request) => ok(request.id, { ...request.params, ...request.query, ...request.body }),
  );
  const [a, b, c, d, e] = [upper(), upper(), upper(), upper(), upper()];
  const res = await app.inject({
    method: 'POST',
    url: `/things/${a}?ids=${b}`,
    payload: { one: c, many: [d], maybe: e },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().data, {
    id: a.toLowerCase(),
    ids: [b.toLowerCase()],
    one: c.toLowerCase(),
    many: [d.toLowerCase()],
    maybe: e.toLowerCase(),
  });
  const bad = await app.inject({
    method: 'POST',
    url: '/things/nope',
    payload: { one: c, many: [] },
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'VALIDATION_ERROR');
  assert.equal(bad.json().error.details[0].field, 'params.id');
});

test('lowerCaseUuids canonicalises what a TypeBox validator accepted', () => {
  const schema = Type.Object({
    chat_id: Uuid(),
    user_ids: Type.Array(Uuid()),
    reply: Type.Optional(Uuid()),
    body: Type.String(),
  });
  const value = { chat_id: upper(), user_ids: [upper()], body: 'Hello ABC' };
  assert.ok(Compile(schema).Check(value), 'the TypeBox validator takes any case');
  const copy = structuredClone(value);
  lowerCaseUuids(schema, copy);
  assert.deepEqual(copy, {
    chat_id: value.chat_id.toLowerCase(),
    user_ids: [value.user_ids[0].toLowerCase()],
    body: 'Hello ABC',
  });
});

test('a WebSocket frame leaves parsing with its ids lower-cased', () => {
  const chatId = upper();
  const parsed = parseClientFrame(
    JSON.stringify({ event: 'typing.start', data: { chat_id: chatId }, req_id: 'r1' }),
    4_096,
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.frame.data, { chat_id: chatId.toLowerCase() });
});
