import { Type, type TSchema, type TString } from 'typebox';
import { validationError } from '../errors/index.ts';

/*
 * The one UUID check (addenda A). Ids are compared and stored lower-case; clients may send any
 * case, so each edge (HTTP schemas, the caller hook, WebSocket frames, gRPC handlers) lower-cases
 * once with `normaliseUuid` or the `Uuid` schema, and nothing behind it does so again.
 */

/** Strict 8-4-4-4-12 hex: ajv-formats would also take a `urn:uuid:` prefix, which PostgreSQL refuses. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The schema keyword that makes the HTTP validator lower-case the value it has just checked. */
export const LOWERCASE_KEYWORD = 'x-lowercase';

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID_PATTERN.test(value);

/** The canonical (lower-case) form of a UUID, or undefined when `value` is not one. */
export const normaliseUuid = (value: unknown): string | undefined =>
  isUuid(value) ? value.toLowerCase() : undefined;

/** For edges without a schema (gRPC requests): the canonical UUID, or a 400-class error naming `field`. */
export function requireUuid(value: string, field: string): string {
  const id = normaliseUuid(value);
  if (id === undefined)
    throw validationError(`${field} must be a UUID`, [{ field, message: 'must be a UUID' }]);
  return id;
}

/**
 * A UUID already in its canonical form: what services hand each other behind the edges (bus
 * events), so no consumer lower-cases again. An upper-case one is a producer's bug, refused.
 */
export const CanonicalUuid = (): TString =>
  Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });

/** A UUID in a schema: a malformed one is a 400 before any query runs, any case is lower-cased. */
export const Uuid = (): TString => Type.String({ format: 'uuid', [LOWERCASE_KEYWORD]: true });

type Walkable = TSchema & {
  format?: string;
  properties?: Record<string, TSchema>;
  items?: TSchema;
  anyOf?: TSchema[];
};

/**
 * Lower-cases, in place, every UUID of `value` that `schema` declares with `Uuid()`; for
 * validators (TypeBox) that check a format but cannot transform. Call it after validating.
 */
export function lowerCaseUuids(schema: TSchema, value: unknown): unknown {
  const node = schema as Walkable;
  if (node[LOWERCASE_KEYWORD as keyof Walkable] === true && isUuid(value))
    return value.toLowerCase();
  if (node.anyOf)
    return node.anyOf.reduce((current, branch) => lowerCaseUuids(branch, current), value);
  if (Array.isArray(value) && node.items) {
    const items = node.items;
    value.forEach((item, index) => (value[index] = lowerCaseUuids(items, item)));
  } else if (typeof value === 'object' && value !== null && node.properties) {
    const record = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(node.properties))
      if (Object.hasOwn(record, key)) record[key] = lowerCaseUuids(child, record[key]);
  }
  return value;
}
