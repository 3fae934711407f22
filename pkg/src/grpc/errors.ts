import { Code, ConnectError } from '@connectrpc/connect';
import {
  AppError,
  ERROR_CODES,
  GENERIC_INTERNAL_MESSAGE,
  type ErrorCode,
  type GrpcStatusName,
} from '../errors/index.ts';

const GRPC_CODES: Record<GrpcStatusName, Code> = {
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  resource_exhausted: Code.ResourceExhausted,
  internal: Code.Internal,
  unavailable: Code.Unavailable,
};

/**
 * Several AppError codes share a gRPC status (413 and 429 are both RESOURCE_EXHAUSTED, 415 and
 * 400 both INVALID_ARGUMENT), so the exact code and the retry-after travel as trailers beside it.
 */
export const ERROR_CODE_TRAILER = 'wa-error-code';
export const RETRY_AFTER_TRAILER = 'wa-retry-after';

const isErrorCode = (value: string | null): value is ErrorCode =>
  value !== null && Object.hasOwn(ERROR_CODES, value);

/** Server side: what a caller of our RPC sees. Unknown errors never leak their message. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof AppError) {
    const metadata = new Headers({ [ERROR_CODE_TRAILER]: error.code });
    if (error.retryAfter !== undefined) metadata.set(RETRY_AFTER_TRAILER, String(error.retryAfter));
    return new ConnectError(
      error.message,
      GRPC_CODES[ERROR_CODES[error.code].grpc],
      metadata,
      undefined,
      error,
    );
  }
  return new ConnectError(GENERIC_INTERNAL_MESSAGE, Code.Internal, undefined, undefined, error);
}

/** For servers that do not send our trailers: the nearest code for each gRPC status. */
const APP_CODES: Partial<Record<Code, ErrorCode>> = {
  [Code.InvalidArgument]: 'VALIDATION_ERROR',
  [Code.Unauthenticated]: 'UNAUTHORIZED',
  [Code.PermissionDenied]: 'FORBIDDEN',
  [Code.NotFound]: 'NOT_FOUND',
  [Code.AlreadyExists]: 'CONFLICT',
  [Code.FailedPrecondition]: 'CONFLICT',
  [Code.ResourceExhausted]: 'RATE_LIMITED',
};

function retryAfterOf(metadata: Headers): number | undefined {
  const raw = metadata.get(RETRY_AFTER_TRAILER);
  if (raw === null) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/**
 * Client side: a downstream failure as an AppError. Our own servers name the exact code; for
 * others, an unreachable, timed-out or crashed dependency is SERVICE_UNAVAILABLE (503) so the
 * client retries, and rule violations keep their meaning.
 */
export function fromGrpcError(error: unknown, dependency: string): AppError {
  if (error instanceof AppError) return error;
  const connectError = ConnectError.from(error);
  const sent = connectError.metadata.get(ERROR_CODE_TRAILER);
  const code = isErrorCode(sent) ? sent : APP_CODES[connectError.code];
  // The log line of the failed request then says which dependency answered what.
  const cause = new Error(`${dependency}: ${connectError.message}`, { cause: error });
  if (code === undefined)
    return new AppError('SERVICE_UNAVAILABLE', `${dependency} is unavailable`, { cause });
  return new AppError(code, connectError.rawMessage, {
    cause,
    retryAfter: retryAfterOf(connectError.metadata),
  });
}

/** One item of a batch call refused on its own: the `error_code`, `error` and retry-after it answers. */
export interface ItemRefusal {
  errorCode: ErrorCode;
  error: string;
  retryAfterSeconds: number;
}

/**
 * Server side: why one item of a batch call failed, as its result carries it. Like a whole call's
 * status, an unknown error never leaks its message.
 */
export function toItemRefusal(error: unknown): ItemRefusal {
  if (!(error instanceof AppError))
    return { errorCode: 'INTERNAL_ERROR', error: GENERIC_INTERNAL_MESSAGE, retryAfterSeconds: 0 };
  return {
    errorCode: error.code,
    error: error.code === 'INTERNAL_ERROR' ? GENERIC_INTERNAL_MESSAGE : error.message,
    retryAfterSeconds: error.retryAfter ?? 0,
  };
}

/** Client side: one batch item's refusal as the AppError it stands for (an unknown code: 500). */
export function fromItemRefusal(errorCode: string, error: string, retryAfterSeconds = 0): AppError {
  const code = isErrorCode(errorCode) ? errorCode : 'INTERNAL_ERROR';
  return new AppError(code, error, retryAfterSeconds > 0 ? { retryAfter: retryAfterSeconds } : {});
}
