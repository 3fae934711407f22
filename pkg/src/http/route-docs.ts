import type { TSchema } from 'typebox';

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
  }
}
