import type { TSchema } from 'typebox';
import type { ErrorCode } from '../errors/index.ts';

/*
 * Route schema fields read only by the API reference (`@wa/pkg/api-docs`); Fastify's validator
 * and serialiser ignore them.
 */
declare module 'fastify' {
  interface FastifySchema {
    /** One line naming what the route does. */
    summary?: string;
    /** More about the rules or the answers (Markdown). */
    description?: string;
    /**
     * A `multipart/form-data` body, read by the handler rather than validated by Fastify (uploads
     * stream): its fields, for the reference only.
     */
    multipartBody?: TSchema;
    /** When this route answers each error code, where that is more than the generic meaning. */
    errors?: Partial<Record<ErrorCode, string>>;
  }
}
