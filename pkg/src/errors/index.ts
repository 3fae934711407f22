/** The fixed set of outcomes every transport knows how to express (addenda A, PRD §7.6). */
export const ERROR_CODES = {
  VALIDATION_ERROR: { http: 400, grpc: 'invalid_argument', ws: 4000 },
  UNAUTHORIZED: { http: 401, grpc: 'unauthenticated', ws: 4001 },
  FORBIDDEN: { http: 403, grpc: 'permission_denied', ws: 4003 },
  NOT_FOUND: { http: 404, grpc: 'not_found', ws: 4004 },
  CONFLICT: { http: 409, grpc: 'already_exists', ws: 4009 },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: 'resource_exhausted', ws: 4013 },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: 'invalid_argument', ws: 4015 },
  RATE_LIMITED: { http: 429, grpc: 'resource_exhausted', ws: 4029 },
  INTERNAL_ERROR: { http: 500, grpc: 'internal', ws: 5000 },
  SERVICE_UNAVAILABLE: { http: 503, grpc: 'unavailable', ws: 5003 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type GrpcStatusName = (typeof ERROR_CODES)[ErrorCode]['grpc'];

export interface ErrorDetail {
  field?: string;
  message: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  /** Seconds a client should wait; sent as Retry-After on 429/503. */
  retryAfter?: number;
  cause?: unknown;
}

/** An error whose message is safe to show to a client. `cause` is for logs only. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

export const validationError = (message: string, details?: ErrorDetail[]) =>
  new AppError('VALIDATION_ERROR', message, details ? { details } : {});
export const unauthorized = (message = 'Authentication required') =>
  new AppError('UNAUTHORIZED', message);
export const forbidden = (message = 'Forbidden') => new AppError('FORBIDDEN', message);
export const notFound = (message = 'Not found') => new AppError('NOT_FOUND', message);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const rateLimited = (retryAfter: number, message = 'Too many requests') =>
  new AppError('RATE_LIMITED', message, { retryAfter });
export const serviceUnavailable = (message = 'Service unavailable', cause?: unknown) =>
  new AppError('SERVICE_UNAVAILABLE', message, { cause });

/** Maps an HTTP status to the envelope code, for errors raised by libraries rather than by us. */
export function codeForHttpStatus(status: number): ErrorCode {
  const match = (Object.keys(ERROR_CODES) as ErrorCode[]).find(
    (code) => ERROR_CODES[code].http === status,
  );
  if (match) return match;
  return status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR';
}

/** Text shown to clients for any 5xx we did not explicitly word. */
export const GENERIC_INTERNAL_MESSAGE = 'Internal server error';
