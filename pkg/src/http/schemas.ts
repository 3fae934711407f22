import { Type } from 'typebox';

/** A UUID (addenda A): a malformed id in a path or body is a 400 before any query runs. */
export const Uuid = () => Type.String({ format: 'uuid' });

/** Route params of `/…/:id`. */
export const IdParams = Type.Object({ id: Uuid() });

/** An absolute http or https URL (format registered by the validator compiler). */
export const HttpUrl = (maxLength = 2_048) => Type.String({ format: 'http-url', maxLength });
