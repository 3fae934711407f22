import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv, type AnySchema } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { CLIENT_EVENT_SCHEMAS, SERVER_EVENT_SCHEMAS } from '@wa/pkg/ws';
import { ERROR_CODES } from '@wa/pkg/errors';
import { API_DOC_FILES } from '../../scripts/api-docs/documents.ts';

/*
 * The generated documents are well-formed: valid against the OpenAPI 3.1 and AsyncAPI 3.0
 * schemas, every $ref resolves, operation ids are unique, and every example matches its schema.
 */

/** A parsed JSON document: its shape is what the assertions check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const load = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Json;

/** Every `$ref` in a document, with where it sits. */
function refsOf(node: unknown, at = '#'): { ref: string; at: string }[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string'
      ? [{ ref: value, at }]
      : refsOf(value, `${at}/${key}`),
  );
}

function resolve(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], document);
}

const unresolved = (document: Json) =>
  refsOf(document)
    .filter(({ ref }) => resolve(document, ref) === undefined)
    .map(({ ref, at }) => `${at}: ${ref}`);

/** A validator that knows the formats the services' schemas use. */
function withFormats<T extends Ajv>(ajv: T): T {
  addFormats(ajv);
  ajv.addFormat('http-url', /^https?:\/\/[^\s/?#]+/);
  return ajv;
}

function exampleProblem(ajv: Ajv, schema: unknown, example: unknown, at: string) {
  const check = ajv.compile(schema as AnySchema);
  return check(example) ? [] : [`${at}: ${ajv.errorsText(check.errors)}`];
}

describe('openapi.json', async () => {
  const document = await load(API_DOC_FILES.openapi);
  const operations = Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({
      path,
      method,
      operation: operation as Json,
    })),
  );

  test('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(document.openapi, '3.1.0');
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    assert.ok(result.valid, compileErrors(result));
  });

  test('every $ref resolves and operation ids are unique', () => {
    assert.deepEqual(unresolved(document), []);
    const ids = operations.map(({ operation }) => operation.operationId as string);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('declares every path parameter, and bearer auth on all but the public auth routes', () => {
    for (const { path, method, operation } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
      const declared = (operation.parameters as Json[])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name as string);
      assert.deepEqual(declared, inPath, `${method} ${path}`);
    }
    assert.deepEqual(document.security, [{ bearerAuth: [] }]);
    assert.equal(document.components.securitySchemes.bearerAuth.scheme, 'bearer');
    const open = operations
      .filter(({ operation }) => operation.security?.length === 0)
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    assert.deepEqual(open, [
      'POST /api/v1/auth/request-otp',
      'POST /api/v1/auth/verify-otp',
      'POST /api/v1/auth/refresh',
    ]);
  });

  test('documents the error envelope, its codes and Retry-After on 429 and 503', () => {
    const envelope = document.components.schemas.ErrorEnvelope;
    const codes = (envelope.properties.error.properties.code.anyOf as Json[]).map(
      (c) => c.const as string,
    );
    assert.deepEqual(codes, Object.keys(ERROR_CODES));
    const { responses } = document.components;
    assert.ok(responses.RateLimited.headers['Retry-After']);
    assert.ok(responses.ServiceUnavailable.headers['Retry-After']);
    const answer = (response: Json) =>
      (response.$ref ? resolve(document, response.$ref) : response) as Json;
    for (const { path, method, operation } of operations) {
      for (const status of ['429', '503'])
        assert.ok(
          answer(operation.responses[status]).headers['Retry-After'],
          `${method} ${path} ${status}`,
        );
      assert.ok(operation.responses.default, `${method} ${path}`);
    }
    // A route's own reasons name the code of their status.
    const upload = document.paths['/api/v1/media/upload'].post.responses;
    assert.equal(
      upload['415'].content['application/json'].example.error.code,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const role = document.paths['/api/v1/chats/{id}/participants/{userId}/role'].patch.responses;
    assert.match(role['409'].description, /last admin/);
    assert.equal(role['403'].content['application/json'].example.error.code, 'FORBIDDEN');
  });

  test('the media upload is a multipart form with `file` and `type`', () => {
    const upload = document.paths['/api/v1/media/upload'].post;
    const form = upload.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(Object.keys(form.properties).sort(), ['file', 'type']);
    assert.ok(upload.responses['201'].content['application/json'].schema);
    assert.ok(document.paths['/api/v1/media/{id}/download'].get.responses['302'].headers.Location);
  });

  test('every example matches its schema', () => {
    const ajv = withFormats(new Ajv2020({ strict: false, allErrors: true }));
    const problems: string[] = [];
    const media = (content: Json | undefined, at: string) => {
      for (const [type, entry] of Object.entries(content ?? {}) as [string, Json][]) {
        const schema = entry.schema.$ref ? resolve(document, entry.schema.$ref) : entry.schema;
        if ('example' in entry)
          problems.push(...exampleProblem(ajv, schema, entry.example, `${at} ${type}`));
      }
    };
    let checked = 0;
    for (const { path, method, operation } of operations) {
      const at = `${method} ${path}`;
      for (const parameter of operation.parameters as Json[]) {
        problems.push(...exampleProblem(ajv, parameter.schema, parameter.example, at));
        checked++;
      }
      media(operation.requestBody?.content, `${at} body`);
      for (const [status, response] of Object.entries(operation.responses as Json))
        if (!response.$ref) media(response.content, `${at} ${status}`);
      checked++;
    }
    for (const [name, response] of Object.entries(document.components.responses as Json))
      media(response.content, name);
    assert.ok(checked > 35);
    assert.deepEqual(problems, []);
  });
});

describe('asyncapi.json', async () => {
  const document = await load(API_DOC_FILES.asyncapi);
  const messages = document.components.messages as Json;

  test('is a valid AsyncAPI 3.0 document', () => {
    const specs = createRequire(import.meta.url)('@asyncapi/specs/schemas/3.0.0-without-$id.json');
    const ajv = withFormats(new Ajv({ strict: false, allErrors: true }));
    const check = ajv.compile(specs as AnySchema);
    assert.ok(check(document), ajv.errorsText(check.errors, { separator: '\n' }));
    assert.deepEqual(unresolved(document), []);
  });

  test('has a message and an operation for every client and server event', () => {
    const events = [...Object.keys(CLIENT_EVENT_SCHEMAS), ...Object.keys(SERVER_EVENT_SCHEMAS)];
    assert.deepEqual(Object.keys(messages).sort(), [...events].sort());
    for (const event of Object.keys(CLIENT_EVENT_SCHEMAS)) {
      const operation = document.operations[event];
      assert.equal(operation.action, 'receive', event);
      assert.ok(
        (operation.reply.messages as Json[]).some((m) => String(m.$ref).endsWith('/error')),
        `${event} can be answered by an error`,
      );
    }
    for (const event of Object.keys(SERVER_EVENT_SCHEMAS))
      assert.equal(document.operations[event].action, 'send', event);
  });

  test('names every error frame code and every close code', () => {
    const codes = messages.error.payload.properties.data.properties.code.enum as number[];
    assert.deepEqual(codes, [...new Set(Object.values(ERROR_CODES).map(({ ws }) => ws))]);
    for (const code of [...codes, 1001, 1009, 1013, 4001])
      assert.match(document.info.description, new RegExp(`\\| ${code} \\|`), String(code));
  });

  test('every example matches its message payload', () => {
    const ajv = withFormats(new Ajv({ strict: false, allErrors: true }));
    const problems = Object.entries(messages).flatMap(([name, message]) =>
      (message.examples as Json[]).flatMap((example) =>
        exampleProblem(ajv, message.payload, example.payload, name),
      ),
    );
    assert.deepEqual(problems, []);
  });
});
