import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  GENERIC_INTERNAL_MESSAGE,
  codeForHttpStatus,
  type ErrorCode,
  type ErrorDetail,
} from '../errors/index.ts';
import { failure } from './envelope.ts';

interface Resolved {
  status: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  retryAfter?: number;
}

/** Fastify's own 4xx errors, reworded for clients. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY:
    'Request body must not be empty when Content-Type is application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_BAD_URL: 'The URL is not validly percent-encoded',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is too long',
};

function validationDetails(error: FastifyError): ErrorDetail[] {
  return (error.validation ?? []).map((issue) => {
    const params = issue.params as { missingProperty?: string; additionalProperty?: string };
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const field = params.missingProperty ?? params.additionalProperty ?? path;
    const context = error.validationContext ?? 'body';
    return {
      field: field ? `${context}.${field}` : context,
      message: params.additionalProperty ? 'unknown field' : (issue.message ?? 'is invalid'),
    };
  });
}

function resolve(error: unknown): Resolved {
  if (error instanceof AppError) {
    const resolved: Resolved = {
      status: error.httpStatus,
      code: error.code,
      message: error.message,
    };
    if (error.details) resolved.details = error.details;
    if (error.retryAfter !== undefined) resolved.retryAfter = error.retryAfter;
    return resolved;
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return {
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'Request validation failed',
      details: validationDetails(fastifyError as FastifyError),
    };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const known = fastifyError.code ? FASTIFY_MESSAGES[fastifyError.code] : undefined;
    return {
      status,
      code: codeForHttpStatus(status),
      message: known ?? fastifyError.message ?? 'Bad request',
    };
  }
  if (status === 503)
    return { status, code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable' };
  return { status: 500, code: 'INTERNAL_ERROR', message: GENERIC_INTERNAL_MESSAGE };
}

/** The one HTTP error handler: envelope out, 5xx logged with their cause and never described to the client. */
export function handleHttpError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const resolved = resolve(error);
  if (resolved.status >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else {
    request.log.info({ code: resolved.code, status: resolved.status }, 'request rejected');
  }
  if (resolved.retryAfter !== undefined)
    reply.header('retry-after', String(Math.ceil(resolved.retryAfter)));
  return reply
    .code(resolved.status)
    .send(failure(request.id, resolved.code, resolved.message, resolved.details));
}
