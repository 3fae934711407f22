import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { LOWERCASE_KEYWORD, isUuid } from '../uuid/index.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = {
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  strict: false,
};

/** An absolute http(s) URL: `uri` alone would let `javascript:` or `data:` through. */
function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '';
}

/**
 * `Uuid()` values are lower-cased as they pass validation, so a handler sees each id in its one
 * canonical form whatever case the client sent (ids in params, query and body alike).
 */
function lowerCaseKeyword(ajv: Ajv): Ajv {
  return ajv.addKeyword({
    keyword: LOWERCASE_KEYWORD,
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    validate: (enabled: boolean, data: string, _schema, context) => {
      if (enabled && context?.parentData !== undefined && isUuid(data))
        (context.parentData as Record<string | number, unknown>)[context.parentDataProperty] =
          data.toLowerCase();
      return true;
    },
  });
}

function withFormats(ajv: Ajv): Ajv {
  return lowerCaseKeyword(
    addFormats(ajv)
      .addFormat('uuid', { type: 'string', validate: isUuid })
      .addFormat('http-url', isHttpUrl),
  );
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
