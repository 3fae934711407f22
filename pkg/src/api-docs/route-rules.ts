import { plainSchema } from './json-schema.ts';
import { pathParamsOf } from './openapi-operation.ts';
import type { ApiRoute } from './route-catalog.ts';

const TAKES_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * What a public route's schema must say for the reference to be whole, and for every input to be
 * validated: a summary, the query (`NoQuery` when it takes none), its path parameters exactly, a
 * success response, and a body on POST/PUT/PATCH but for the routes listed as taking none.
 */
export function routeSchemaProblems(
  route: ApiRoute,
  bodyless: ReadonlySet<string> = new Set(),
): string[] {
  const name = `${route.method} ${route.url}`;
  const schema = route.schema;
  if (!schema) return [`${name} has no schema`];
  const problems: string[] = [];
  if (!schema.summary) problems.push(`${name} has no summary`);
  if (!schema.querystring) problems.push(`${name} has no querystring schema (NoQuery if none)`);
  const expected = pathParamsOf(route.url).sort();
  const declared = schema.params
    ? Object.keys(plainSchema(schema.params).properties ?? {}).sort()
    : [];
  if (expected.join() !== declared.join())
    problems.push(`${name} has params [${declared.join(', ')}], its path [${expected.join(', ')}]`);
  const statuses = Object.keys(schema.response ?? {}).map(Number);
  if (!statuses.some((status) => status >= 200 && status < 400))
    problems.push(`${name} has no success response schema`);
  const hasBody = schema.body !== undefined || schema.multipartBody !== undefined;
  if (bodyless.has(name)) {
    if (hasBody) problems.push(`${name} has a body but is listed as taking none`);
  } else if (TAKES_BODY.has(route.method) && !hasBody) {
    problems.push(`${name} has no body schema`);
  }
  return problems;
}
