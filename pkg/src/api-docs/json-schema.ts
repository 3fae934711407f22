import { LOWERCASE_KEYWORD } from '../uuid/index.ts';

export type JsonSchema = Record<string, unknown>;

/** Keywords only our validator reads; a client has no use for them. */
const VALIDATOR_ONLY = new Set([LOWERCASE_KEYWORD]);

/** A schema as plain JSON: TypeBox's non-enumerable markers and validator-only keywords dropped. */
export function plainSchema(schema: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    VALIDATOR_ONLY.has(key) ? undefined : value,
  ) as JsonSchema;
}

const FORMAT_EXAMPLES: Record<string, string> = {
  uuid: '3f6c1d2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f',
  'date-time': '2025-01-31T12:00:00.000Z',
  date: '2025-01-31',
  'http-url': 'https://cdn.example.com/avatars/ada.jpg',
  uri: 'https://example.com/',
  email: 'ada@example.com',
};

const asSchemas = (value: unknown): JsonSchema[] | undefined =>
  Array.isArray(value) ? (value as JsonSchema[]) : undefined;

/** Plain strings named like these get a telling value rather than "string". */
const NAMED_EXAMPLES: [RegExp, string][] = [
  [/(^|_)id$/, FORMAT_EXAMPLES.uuid],
  [/(^|_)(at|timestamp|until|last_seen)$/, FORMAT_EXAMPLES['date-time']],
  [/(^|_)url$/, 'https://s3.example.com/whatsapp-media/9b2e4c1a?X-Amz-Signature=…'],
  [/phone/, '+14155550123'],
  [/token$/, 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.signature'],
  [/display_name|^name$/, 'Ada'],
  [/body|caption/, 'Hello!'],
  [/status_text/, 'Available'],
  [/mime_type/, 'image/jpeg'],
  [/checksum/, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  [/filename/, 'photo.jpg'],
];

function stringExample(schema: JsonSchema, name: string): string {
  const format = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  const named =
    schema.pattern === undefined ? NAMED_EXAMPLES.find(([test]) => test.test(name)) : undefined;
  let text = format ?? named?.[1] ?? 'string';
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (text.length < minLength) text = text.padEnd(minLength, 'x');
  return text.length > maxLength ? text.slice(0, maxLength) : text;
}

function numberExample(schema: JsonSchema): number {
  if (typeof schema.minimum === 'number') return schema.minimum;
  if (typeof schema.exclusiveMinimum === 'number') return schema.exclusiveMinimum + 1;
  if (typeof schema.maximum === 'number' && schema.maximum < 1) return schema.maximum;
  return 1;
}

function objectExample(schema: JsonSchema): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, exampleOf(property, name)]),
  );
}

/**
 * A value for a schema, for the reference's examples: the schema's own `examples` or `default`
 * first, else one made from its type, format, bounds and (for plain strings) property name. A pattern is not followed: a schema with
 * one names an example itself (the reference's test checks every example against its schema).
 */
export function exampleOf(schema: JsonSchema, name = ''): unknown {
  const examples = schema.examples;
  if (Array.isArray(examples) && examples.length > 0) return examples[0];
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches = asSchemas(schema.anyOf) ?? asSchemas(schema.oneOf);
  if (branches)
    return exampleOf(branches.find((branch) => branch.type !== 'null') ?? branches[0], name);
  const parts = asSchemas(schema.allOf);
  if (parts) return Object.assign({}, ...parts.map((part) => exampleOf(part, name))) as unknown;
  const type = Array.isArray(schema.type)
    ? (schema.type as string[]).find((name) => name !== 'null')
    : schema.type;
  switch (type) {
    case 'object':
      return objectExample(schema);
    case 'array': {
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 0);
      const item = exampleOf((schema.items ?? {}) as JsonSchema, name.replace(/s$/, ''));
      // Unique items differ in their last character (a UUID stays one).
      const nth = (index: number) =>
        schema.uniqueItems === true && typeof item === 'string' && index > 0
          ? `${item.slice(0, -1)}${index % 10}`
          : item;
      return Array.from({ length: count }, (_, index) => nth(index));
    }
    case 'string':
      return stringExample(schema, name);
    case 'integer':
    case 'number':
      return numberExample(schema);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}
