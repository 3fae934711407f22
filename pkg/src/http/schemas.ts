import { Type } from 'typebox';
import { Uuid } from '../uuid/index.ts';

export { Uuid, isUuid, normaliseUuid, requireUuid } from '../uuid/index.ts';

/** Route params of `/…/:id`. */
export const IdParams = Type.Object({ id: Uuid() });

/** An absolute http or https URL (format registered by the validator compiler). */
export const HttpUrl = (maxLength = 2_048) => Type.String({ format: 'http-url', maxLength });

/** The query of a route that takes no parameters: an unexpected one is a 400 like an unknown body field. */
export const NoQuery = Type.Object({}, { additionalProperties: false });
