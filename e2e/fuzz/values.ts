import fc from 'fast-check';
import { nastyString, percentEncode } from './strings.ts';

/** Numbers at the edges of every numeric type a schema or a store may use. */
export const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    0.5,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53 + 2,
    -(2 ** 53) - 2,
    1e21,
    1e308,
    -1e308,
    5e-324,
    8.64e15,
    8.64e15 + 1,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Keys that attack object handling: prototype pollution and look-alikes. */
export const edgeKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '$where',
  '$gt',
  'a.b',
  '',
  '\u0000',
);

/** A JSON array or object nested `depth` levels deep, as text (a parser may recurse on it). */
export const deepJsonText = (depth: number, kind: 'array' | 'object'): string =>
  kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** The same nesting as a value, for places that take a parsed value (≤ a few thousand levels). */
export const deepValue = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { a: value };
  return value;
};

/** Any JSON-able value, edges first: wrong types for every field. */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: nastyString, weight: 5 },
    { arbitrary: edgeNumber, weight: 3 },
    { arbitrary: fc.constantFrom(null, true, false), weight: 2 },
    { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 1 },
    {
      arbitrary: fc.dictionary(fc.oneof(edgeKey, fc.string({ maxLength: 6 })), tie('value'), {
        maxKeys: 4,
      }),
      weight: 1,
    },
    { arbitrary: fc.integer({ min: 50, max: 3_000 }).map(deepValue), weight: 1 },
  ),
})).value;

export type JsonObject = Record<string, unknown>;

/** One way of spoiling a valid body; `apply` returns the JSON text to send. */
const mutation: fc.Arbitrary<(body: JsonObject) => JsonObject> = fc.oneof(
  // Replace one field (or a field of a nested object) with any value.
  fc.tuple(fc.nat(), nastyValue).map(([pick, value]) => (body: JsonObject) => {
    const keys = Object.keys(body);
    if (keys.length === 0) return { value };
    const key = keys[pick % keys.length];
    const inner = body[key];
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && pick % 2) {
      const innerKeys = Object.keys(inner);
      const innerKey = innerKeys[pick % Math.max(innerKeys.length, 1)] ?? 'x';
      return { ...body, [key]: { ...(inner as JsonObject), [innerKey]: value } };
    }
    return { ...body, [key]: value };
  }),
  // Drop one field.
  fc.nat().map((pick) => (body: JsonObject) => {
    const keys = Object.keys(body);
    const copy = { ...body };
    if (keys.length) delete copy[keys[pick % keys.length]];
    return copy;
  }),
  // Add an unknown or dangerous key.
  fc.tuple(edgeKey, nastyValue).map(([key, value]) => (body: JsonObject) => {
    const copy = { ...body };
    Object.defineProperty(copy, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return copy;
  }),
  // Keep it valid: the oracle must also accept a 2xx.
  fc.constant((body: JsonObject) => body),
);

/** Malformed or unusual JSON text, whatever the route expects. */
export const malformedJson = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    'null',
    '[]',
    '"text"',
    '1',
    'true',
    '{"a":1}{"b":2}',
    '\ufeff{}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '{"a":1e999999}',
    '{"a":-0}',
  ),
  fc
    .integer({ min: 100, max: 200_000 })
    .chain((depth) => fc.constantFrom(deepJsonText(depth, 'array'), deepJsonText(depth, 'object'))),
  fc.string({ maxLength: 40, unit: 'binary' }),
);

/** `valid` spoiled by one to three mutations, or left as it is (a quarter of the time). */
export const spoiled = (valid: JsonObject): fc.Arbitrary<JsonObject> =>
  fc.oneof(
    { arbitrary: fc.constant(valid), weight: 1 },
    {
      arbitrary: fc
        .array(mutation, { minLength: 1, maxLength: 3 })
        .map((steps) => steps.reduce((body, step) => step(body), valid)),
      weight: 3,
    },
  );

export interface BodyInput {
  /** Text sent as the body, or undefined for none. */
  text: string | undefined;
  contentType: string | undefined;
  /** How it was made, for the report and the failure message. */
  kind: 'mutated' | 'malformed' | 'none' | 'wrong-type';
}

/** A body for a route whose valid body is `valid`: mostly spoiled JSON, sometimes not JSON at all. */
export const bodyFor = (valid: JsonObject | undefined): fc.Arbitrary<BodyInput> => {
  const base = valid ?? {};
  return fc.oneof(
    {
      // The valid body itself: accepted inputs exercise the rules and stores the others protect.
      weight: 2,
      arbitrary: fc.constant({
        text: JSON.stringify(base),
        contentType: 'application/json',
        kind: 'mutated' as const,
      }),
    },
    {
      weight: 6,
      arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((steps) => ({
        text: JSON.stringify(steps.reduce((body, step) => step(body), base)),
        contentType: 'application/json',
        kind: 'mutated' as const,
      })),
    },
    {
      weight: 3,
      arbitrary: malformedJson.map((text) => ({
        text,
        contentType: 'application/json',
        kind: 'malformed' as const,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-16',
            'application/json; charset=bogus',
            'multipart/form-data; boundary=x',
            'application/xml',
            '*/*',
            '',
          ),
          fc.constantFrom(JSON.stringify(base), 'a=1&a=2', '<a/>'),
        )
        .map(([contentType, text]) => ({ text, contentType, kind: 'wrong-type' as const })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ text: undefined, contentType: undefined, kind: 'none' as const }),
    },
  );
};

/**
 * Cursors shaped like the ones the API hands out (base64url of `<ms>:<id>` or of JSON), with
 * edge numbers and odd ids inside: random text rarely gets past a cursor's first check.
 */
export const cursorLike = fc
  .tuple(
    fc.oneof(edgeNumber.map(String), fc.constantFrom('8640000000000001', '-1', '1e21', '')),
    fc.oneof(
      fc.uuid(),
      nastyString.filter((s) => s.length < 100),
    ),
    fc.boolean(),
  )
  .map(([time, id, json]) =>
    Buffer.from(json ? JSON.stringify({ a: time, c: id }) : `${time}:${id}`).toString('base64url'),
  );

/** Query pairs: the route's own keys (repeated, with odd values) and strangers. */
export const queryFor = (keys: readonly string[]): fc.Arbitrary<[string, string][]> =>
  fc.array(
    fc.tuple(
      keys.length
        ? fc.oneof(
            { arbitrary: fc.constantFrom(...keys), weight: 4 },
            { arbitrary: edgeKey, weight: 1 },
          )
        : edgeKey,
      fc.oneof(
        nastyString.filter((s) => s.length < 4_000),
        edgeNumber.map(String),
        fc.constantFrom('', 'me', 'everyone', '1', '100', '101', '-1', '1.5', '0x10'),
        cursorLike,
      ),
    ),
    { maxLength: 4 },
  );

/** Encodes query pairs; repeated keys stay repeated. */
export const encodeQuery = (pairs: [string, string][]): string =>
  pairs.length
    ? `?${pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')}`
    : '';
