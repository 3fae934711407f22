import { ERROR_CODES, type ErrorCode } from '../errors/index.ts';
import { ErrorEnvelopeSchema } from '../http/index.ts';
import { plainSchema } from './json-schema.ts';

/*
 * The parts every operation shares: the error envelope, the error answers by status, the
 * request-id and Retry-After headers, and bearer auth (addenda A and B).
 */

export const REF = {
  errorEnvelope: '#/components/schemas/ErrorEnvelope',
  requestId: '#/components/headers/RequestId',
  retryAfter: '#/components/headers/RetryAfter',
} as const;

export const responseRef = (name: ErrorResponseName) => ({
  $ref: `#/components/responses/${name}`,
});

const EXAMPLE_REQUEST_ID = '5b1e8f52-0c4d-4f7a-9a3e-2d6c8b1f0e47';
export const EXAMPLE_META = {
  request_id: EXAMPLE_REQUEST_ID,
  timestamp: '2025-01-31T12:00:00.000Z',
};

function errorExample(
  code: ErrorCode,
  message: string,
  details?: { field: string; message: string }[],
) {
  return {
    success: false,
    data: null,
    error: details ? { code, message, details } : { code, message },
    meta: EXAMPLE_META,
  };
}

export interface ErrorResponseSpec {
  code: ErrorCode;
  description: string;
  message: string;
  details?: { field: string; message: string }[];
  retryAfter?: boolean;
}

/** The error answers operations name, by component name. */
const ERROR_RESPONSES = {
  ValidationError: {
    code: 'VALIDATION_ERROR',
    description:
      'The request does not match its schema (body, query or path; a malformed UUID in a path is 400 too). `details` names each field.',
    message: 'Request validation failed',
    details: [{ field: 'body.phone', message: "must have required property 'phone'" }],
  },
  Unauthorized: {
    code: 'UNAUTHORIZED',
    description: 'No `Authorization: Bearer <access token>`, or the token is invalid or expired.',
    message: 'Authentication required',
  },
  NotFound: {
    code: 'NOT_FOUND',
    description: 'No such resource, or the caller may not see it.',
    message: 'Not found',
  },
  PayloadTooLarge: {
    code: 'PAYLOAD_TOO_LARGE',
    description:
      'The body is over its limit: 1 MiB for JSON, the media type’s limit for uploads (found while streaming).',
    message: 'Request body is too large',
  },
  UnsupportedMediaType: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    description:
      'A body of a content type the route does not take (or, for uploads, a file of an unaccepted format).',
    message: 'Unsupported media type',
  },
  RateLimited: {
    code: 'RATE_LIMITED',
    description:
      'Too many requests from this IP or user (token buckets per minute); wait `Retry-After` seconds.',
    message: 'Too many requests',
    retryAfter: true,
  },
  ServiceUnavailable: {
    code: 'SERVICE_UNAVAILABLE',
    description:
      'A service behind the gateway is down or overloaded; retry after `Retry-After` seconds when given.',
    message: 'Service unavailable',
    retryAfter: true,
  },
  OtherError: {
    code: 'INTERNAL_ERROR',
    description:
      'Any other error, in the same envelope: 403 `FORBIDDEN`, 409 `CONFLICT`, 500 `INTERNAL_ERROR` and the codes above.',
    message: 'Internal server error',
  },
} satisfies Record<string, ErrorResponseSpec>;

export type ErrorResponseName = keyof typeof ERROR_RESPONSES;

export function errorResponse(spec: ErrorResponseSpec) {
  return {
    description: spec.description,
    headers: {
      'X-Request-Id': { $ref: REF.requestId },
      ...(spec.retryAfter ? { 'Retry-After': { $ref: REF.retryAfter } } : {}),
    },
    content: {
      'application/json': {
        schema: { $ref: REF.errorEnvelope },
        example: errorExample(spec.code, spec.message, spec.details),
      },
    },
  };
}

/** Status → envelope code, as a Markdown table (addenda A). */
export function errorCodeTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map(
    (code) => `| ${ERROR_CODES[code].http} | \`${code}\` |`,
  );
  return ['| HTTP status | `error.code` |', '| --- | --- |', ...rows].join('\n');
}

export function sharedComponents() {
  return {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'The access token from `POST /api/v1/auth/verify-otp` (or `/auth/refresh`), valid 15 minutes by default.',
      },
    },
    schemas: { ErrorEnvelope: plainSchema(ErrorEnvelopeSchema) },
    headers: {
      RequestId: {
        description:
          'The request id, equal to `meta.request_id`; a well-formed `X-Request-Id` sent by the client is kept.',
        schema: { type: 'string' },
      },
      RetryAfter: {
        description: 'Seconds to wait before trying again.',
        schema: { type: 'integer', minimum: 0 },
      },
    },
    responses: Object.fromEntries(
      Object.entries(ERROR_RESPONSES).map(([name, spec]) => [name, errorResponse(spec)]),
    ),
  };
}
