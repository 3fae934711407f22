import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScalarType,
  create,
  fromBinary,
  toBinary,
  type DescField,
  type DescMessage,
} from '@bufbuild/protobuf';
import * as auth from '../src/grpc/gen/auth/auth_pb.js';
import * as chat from '../src/grpc/gen/chat/chat_pb.js';
import * as media from '../src/grpc/gen/media/media_pb.js';
import * as message from '../src/grpc/gen/message/message_pb.js';
import * as user from '../src/grpc/gen/user/user_pb.js';
import { compileDecoder } from '../src/grpc/binary-decoder.ts';
import { compileEncoder } from '../src/grpc/binary-encoder.ts';

/** Every message type of our protos. */
const SCHEMAS: DescMessage[] = [auth, chat, media, message, user].flatMap((module) =>
  Object.values(module).filter(
    (value): value is DescMessage =>
      typeof value === 'object' && value !== null && (value as DescMessage).kind === 'message',
  ),
);

/** A seeded generator, so a failure names a case that can be run again. */
function randomOf(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}
type Random = ReturnType<typeof randomOf>;

const TEXTS = [
  '',
  'a',
  'héllo wörld',
  '😀👩‍👩‍👧‍👦',
  '\u0000',
  'x'.repeat(127),
  'é'.repeat(50),
  'é'.repeat(70),
  '😀'.repeat(40),
];

function textOf(random: Random): string {
  if (random.next() < 0.1) return 'long '.repeat(random.int(40_000)); // lengths past one varint byte
  return random.pick(TEXTS) + String(random.int(1_000));
}

function scalarOf(type: ScalarType, random: Random): unknown {
  switch (type) {
    case ScalarType.STRING:
      return textOf(random);
    case ScalarType.BOOL:
      return random.next() < 0.5;
    case ScalarType.INT32:
      return random.pick([0, 1, -1, 127, 128, 2 ** 31 - 1, -(2 ** 31), random.int(1e6) - 5e5]);
    case ScalarType.INT64:
      return random.pick([0n, 1n, -1n, 2n ** 62n, -(2n ** 63n), BigInt(Date.now())]);
    case ScalarType.BYTES:
      return Uint8Array.from({ length: random.pick([0, 3, 200]) }, () => random.int(256));
    case ScalarType.UINT32:
      return random.pick([0, 1, 2 ** 32 - 1]);
    case ScalarType.UINT64:
      return random.pick([0n, 2n ** 64n - 1n]);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED32:
    case ScalarType.SFIXED64:
    case ScalarType.SINT32:
    case ScalarType.SINT64:
      // None of our protos has one; the encoder leaves such a type to toBinary.
      throw new Error(`no sample for scalar type ${type}`);
  }
}

/** An init object: each field left out, at its default, or a random value. */
function valueOf(schema: DescMessage, random: Random, depth = 0): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (random.next() < 0.2) continue;
    value[field.localName] = fieldValueOf(field, random, depth);
  }
  return value;
}

function fieldValueOf(field: DescField, random: Random, depth: number): unknown {
  const count = random.pick([0, 1, 3]);
  switch (field.fieldKind) {
    case 'scalar':
      return scalarOf(field.scalar, random);
    case 'enum':
      return random.int(3);
    case 'message':
      return depth > 3 ? undefined : valueOf(field.message, random, depth + 1);
    case 'list':
      return Array.from({ length: count }, () =>
        field.listKind === 'message'
          ? valueOf(field.message, random, depth + 1)
          : field.listKind === 'enum'
            ? random.int(3)
            : scalarOf(field.scalar, random),
      );
    case 'map':
      return Object.fromEntries(
        Array.from({ length: count }, (_, index) => [
          `key${index}`,
          field.mapKind === 'message'
            ? valueOf(field.message, random, depth + 1)
            : field.mapKind === 'enum'
              ? random.int(3)
              : scalarOf(field.scalar, random),
        ]),
      );
  }
}

test('every message type of our protos has a compiled encoder and decoder', () => {
  assert.ok(SCHEMAS.length > 50, `found ${SCHEMAS.length} message types`);
  const uncompiled = SCHEMAS.filter((schema) => !compileEncoder(schema) || !compileDecoder(schema));
  assert.deepEqual(
    uncompiled.map((schema) => schema.typeName),
    [],
  );
});

test('the compiled encoder writes the bytes toBinary writes, for any value of every type', () => {
  for (const schema of SCHEMAS) {
    const encode = compileEncoder(schema)!;
    for (let seed = 1; seed <= 60; seed += 1) {
      const value = valueOf(schema, randomOf(seed * 7919 + schema.typeName.length));
      const expected = Buffer.from(toBinary(schema, create(schema, value as never)));
      const actual = encode(value);
      assert.ok(
        actual.equals(expected),
        `${schema.typeName}, seed ${seed}: ${actual.toString('hex')} != ${expected.toString('hex')}`,
      );
      // A full message (what fromBinary returns) encodes the same as its init object.
      assert.ok(
        encode(fromBinary(schema, expected)).equals(expected),
        `${schema.typeName} round trip`,
      );
    }
    assert.ok(encode({}).equals(Buffer.from(toBinary(schema, create(schema)))));
  }
});

test('an encoded message is a copy: the next encode does not change it', () => {
  const encode = compileEncoder(message.UpdateStatusRequestSchema)!;
  const first = encode({ messageId: 'a', userId: 'b', status: 'read' });
  const copy = Buffer.from(first);
  encode({ messageId: 'c'.repeat(300_000), userId: 'd', status: 'delivered' });
  assert.ok(first.equals(copy));
});

test('an integer toBinary refuses is refused, not truncated', () => {
  const schema = SCHEMAS.find((s) =>
    s.fields.some((f) => f.fieldKind === 'scalar' && f.scalar === ScalarType.INT32),
  )!;
  const field = schema.fields.find(
    (f) => f.fieldKind === 'scalar' && f.scalar === ScalarType.INT32,
  )!;
  const encode = compileEncoder(schema)!;
  for (const bad of [1.5, 2 ** 31, Number.NaN]) {
    assert.throws(() => toBinary(schema, create(schema, { [field.localName]: bad })));
    assert.throws(() => encode({ [field.localName]: bad }), /invalid integer/);
  }
});

/** Bytes with an unknown field of each wire type appended (a newer peer's fields). */
function withUnknownFields(bytes: Uint8Array): Buffer {
  return Buffer.concat([
    bytes,
    Buffer.from([0xf8, 0x07, 0x96, 0x01]), // field 127, varint 150
    Buffer.from([0xfa, 0x07, 0x03, 0x61, 0x62, 0x63]), // field 127, "abc"
    Buffer.from([0x85, 0x08, 1, 2, 3, 4]), // field 128, fixed32
    Buffer.from([0x89, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]), // field 129, fixed64
  ]);
}

test('the compiled decoder answers what fromBinary answers, for any bytes of every type', () => {
  for (const schema of SCHEMAS) {
    const decode = compileDecoder(schema)!;
    for (let seed = 1; seed <= 60; seed += 1) {
      const value = valueOf(schema, randomOf(seed * 104_729 + schema.typeName.length));
      const bytes = toBinary(schema, create(schema, value as never));
      assert.deepStrictEqual(
        decode(bytes),
        fromBinary(schema, bytes),
        `${schema.typeName}, ${seed}`,
      );
      const extended = withUnknownFields(bytes);
      assert.deepStrictEqual(
        decode(extended),
        fromBinary(schema, extended),
        `${schema.typeName} unknown`,
      );
    }
    assert.deepStrictEqual(decode(new Uint8Array(0)), fromBinary(schema, new Uint8Array(0)));
  }
});

test('bytes fromBinary refuses are refused the same way', () => {
  const schema = message.UpdateStatusRequestSchema;
  const decode = compileDecoder(schema)!;
  const invalidUtf8 = Buffer.from([0x0a, 0x02, 0xc3, 0x28]); // message_id: a broken sequence
  const truncated = Buffer.from([0x0a, 0x05, 0x61]);
  const group = Buffer.from([0xfb, 0x07]); // a start-group tag, never closed
  for (const bytes of [invalidUtf8, truncated, group]) {
    const expected = (() => {
      try {
        fromBinary(schema, bytes);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    })();
    assert.ok(expected, `fromBinary refuses ${bytes.toString('hex')}`);
    assert.throws(() => decode(bytes), { message: expected });
  }
});

test('a string that starts with a byte order mark keeps it (fromBinary drops it)', () => {
  const schema = message.UpdateStatusRequestSchema;
  const bytes = toBinary(schema, create(schema, { messageId: '\ufeffid', status: 'read' }));
  assert.equal(compileDecoder(schema)!(bytes).messageId, '\ufeffid');
  assert.equal(fromBinary(schema, bytes).messageId, 'id');
});
