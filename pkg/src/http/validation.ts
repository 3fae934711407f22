import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = {
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  strict: false,
};

/** ajv-formats also accepts a `urn:uuid:` prefix, which PostgreSQL's uuid type refuses (a 500). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An absolute http(s) URL: `uri` alone would let `javascript:` or `data:` through. */
function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '';
}

function withFormats(ajv: Ajv): Ajv {
  return addFormats(ajv).addFormat('uuid', UUID).addFormat('http-url', isHttpUrl);
}

/**
 * JSON bodies are validated as sent: `["+1…"]` is not silently read as `"+1…"`. Path and query
 * strings are text by nature, so there (and only there) "42" may become 42.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = withFormats(new Ajv({ ...base, coerceTypes: false }));
  const textAjv = withFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);
}
