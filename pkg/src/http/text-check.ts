import type { FastifyInstance } from 'fastify';
import { validationError } from '../errors/index.ts';
import { UNACCEPTABLE_TEXT_MESSAGE, findUnacceptableText } from '../text/index.ts';

/** Parsed JSON, not a Buffer or stream a proxy or an upload passes through untouched. */
const isParsedJson = (body: unknown): boolean =>
  Array.isArray(body) ||
  (typeof body === 'object' &&
    body !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(body) as object | null));

/**
 * Before any route's schema: a NUL or a lone surrogate in any string of the body, query or path
 * is a 400 naming the field, on every route, instead of a store error (500) or silently stored U+FFFD.
 */
export function refuseUnacceptableText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const field =
      findUnacceptableText(request.params, 'params') ??
      findUnacceptableText(request.query, 'querystring') ??
      (isParsedJson(request.body) ? findUnacceptableText(request.body, 'body') : undefined);
    if (field !== undefined)
      throw validationError('Request contains invalid text', [
        { field, message: UNACCEPTABLE_TEXT_MESSAGE },
      ]);
  });
}
