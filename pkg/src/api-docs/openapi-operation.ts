import { STATUS_CODES } from 'node:http';
import { ERROR_CODES, type ErrorCode } from '../errors/index.ts';
import { exampleOf, plainSchema, type JsonSchema } from './json-schema.ts';
import {
  EXAMPLE_META,
  REF,
  errorResponse,
  responseRef,
  type ErrorResponseName,
} from './openapi-components.ts';
import type { ApiRoute } from './route-catalog.ts';

/** `/api/v1/users/:id` → `/api/v1/users/{id}`. */
export const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');

export const pathParamsOf = (url: string): string[] =>
  [...url.matchAll(/:(\w+)/g)].map(([, name]) => name);

const pascal = (words: string): string =>
  words
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');

/** `POST /api/v1/chats/:chatId/messages/read` → `postChatsByChatIdMessagesRead`. */
export function operationIdOf(method: string, url: string): string {
  const segments = url
    .split('/')
    .filter(Boolean)
    .slice(2)
    .map((segment) =>
      segment.startsWith(':') ? `By${pascal(segment.slice(1))}` : pascal(segment),
    );
  return method.toLowerCase() + segments.join('');
}

type Parameter = Record<string, unknown>;

function parametersOf(where: 'path' | 'query', schema: unknown): Parameter[] {
  if (schema === undefined) return [];
  const object = plainSchema(schema);
  const required = new Set((object.required ?? []) as string[]);
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
      example: exampleOf(property, name),
    };
  });
}

function jsonContent(schema: unknown) {
  const plain = plainSchema(schema);
  return { 'application/json': { schema: plain, example: exampleOf(plain) } };
}

function requestBodyOf(route: ApiRoute) {
  const { body, multipartBody } = route.schema ?? {};
  if (multipartBody !== undefined) {
    return {
      required: true,
      content: {
        'multipart/form-data': {
          schema: plainSchema(multipartBody),
          encoding: { file: { contentType: 'application/octet-stream' } },
        },
      },
    };
  }
  if (body === undefined) return undefined;
  return { required: true, content: jsonContent(body) };
}

const requestIdHeader = { 'X-Request-Id': { $ref: REF.requestId } };

function successResponse(status: number, schema: unknown) {
  const description = STATUS_CODES[status] ?? String(status);
  if (status >= 300 && status < 400) {
    const plain = plainSchema(schema);
    return {
      description: typeof plain.description === 'string' ? plain.description : description,
      headers: {
        ...requestIdHeader,
        Location: { description: 'The URL to follow', schema: { type: 'string', format: 'uri' } },
      },
    };
  }
  const content = jsonContent(schema);
  // Every answer is the envelope; its example carries a fixed meta rather than a made-up one.
  const example = content['application/json'].example;
  if (typeof example === 'object' && example !== null && 'meta' in example)
    Object.assign(example, { meta: EXAMPLE_META });
  return { description, headers: requestIdHeader, content };
}

/** The error answers a route can give besides the catch-all: from its shape and its auth. */
function errorResponsesOf(route: ApiRoute, isPublic: boolean): [string, unknown][] {
  const names: [number, ErrorResponseName][] = [[400, 'ValidationError']];
  if (!isPublic) names.push([401, 'Unauthorized']);
  if (pathParamsOf(route.url).length > 0) names.push([404, 'NotFound']);
  if (route.schema?.body !== undefined || route.schema?.multipartBody !== undefined)
    names.push([413, 'PayloadTooLarge'], [415, 'UnsupportedMediaType']);
  names.push([429, 'RateLimited'], [503, 'ServiceUnavailable']);
  const responses = new Map<string, unknown>(
    names.map(([status, name]) => [String(status), responseRef(name)]),
  );
  // The route's own reasons replace the generic answer of the same status.
  const reasons = Object.entries(route.schema?.errors ?? {}) as [ErrorCode, string][];
  for (const [code, reason] of reasons) {
    const retryAfter = code === 'RATE_LIMITED' || code === 'SERVICE_UNAVAILABLE';
    const status = String(ERROR_CODES[code].http);
    responses.set(
      status,
      errorResponse({ code, description: reason, message: reason, retryAfter }),
    );
  }
  const sorted = [...responses].sort(([a], [b]) => Number(a) - Number(b));
  return [...sorted, ['default', responseRef('OtherError')]];
}

export interface OperationContext {
  tag: string;
  isPublic: boolean;
}

/** The OpenAPI operation of one route, from the schemas it validates with. */
export function operationOf(route: ApiRoute, { tag, isPublic }: OperationContext) {
  const schema = route.schema ?? {};
  const responses = Object.entries((schema.response ?? {}) as Record<string, unknown>).map(
    ([status, response]): [string, unknown] => [status, successResponse(Number(status), response)],
  );
  const requestBody = requestBodyOf(route);
  return {
    tags: [tag],
    operationId: operationIdOf(route.method, route.url),
    ...(schema.summary ? { summary: schema.summary } : {}),
    ...(schema.description ? { description: schema.description } : {}),
    // Public routes opt out of the document-wide bearer requirement.
    ...(isPublic ? { security: [] } : {}),
    parameters: [
      ...parametersOf('path', schema.params),
      ...parametersOf('query', schema.querystring),
    ],
    ...(requestBody ? { requestBody } : {}),
    responses: Object.fromEntries([...responses, ...errorResponsesOf(route, isPublic)]),
  };
}
