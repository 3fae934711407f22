import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import { exampleOf, openApiPath, operationIdOf, pathParamsOf, plainSchema } from '@wa/pkg/api-docs';
import { Uuid } from '@wa/pkg/http';

describe('API reference helpers', () => {
  test('paths and operation ids come from the Fastify route', () => {
    const url = '/api/v1/chats/:id/participants/:userId/role';
    assert.equal(openApiPath(url), '/api/v1/chats/{id}/participants/{userId}/role');
    assert.deepEqual(pathParamsOf(url), ['id', 'userId']);
    assert.equal(operationIdOf('PATCH', url), 'patchChatsByIdParticipantsByUserIdRole');
    assert.equal(operationIdOf('PUT', '/api/v1/users/me/fcm-token'), 'putUsersMeFcmToken');
  });

  test('a schema becomes plain JSON without validator-only keywords', () => {
    const schema = plainSchema(Type.Object({ id: Uuid() }));
    assert.deepEqual(schema, {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', format: 'uuid' } },
    });
  });

  test('an example honours examples, formats, bounds, names and unique items', () => {
    const schema = plainSchema(
      Type.Object({
        otp: Type.String({ pattern: '^[0-9]{6}$', examples: ['123456'] }),
        chat_id: Type.String(),
        code: Type.String({ maxLength: 4 }),
        pin: Type.String({ minLength: 8 }),
        limit: Type.Integer({ minimum: 1, maximum: 100 }),
        role: Type.Union([Type.Literal('admin'), Type.Literal('member')]),
        last_seen: Type.Union([Type.Null(), Type.String({ format: 'date-time' })]),
        user_ids: Type.Array(Uuid(), { minItems: 2, uniqueItems: true }),
        muted: Type.Boolean(),
      }),
    );
    const example = exampleOf(schema) as Record<string, unknown>;
    assert.equal(example.otp, '123456');
    assert.match(String(example.chat_id), /^[0-9a-f-]{36}$/);
    assert.equal(example.code, 'stri');
    assert.equal(example.pin, 'stringxx');
    assert.equal(example.limit, 1);
    assert.equal(example.role, 'admin');
    assert.equal(example.last_seen, '2025-01-31T12:00:00.000Z');
    const ids = example.user_ids as string[];
    assert.equal(ids.length, 2);
    assert.notEqual(ids[0], ids[1]);
    assert.equal(example.muted, false);
  });
});
