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

/** Server side: what a caller of our RPC sees. Unknown errors never leak their message. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof AppError) {
    return new ConnectError(
      error.message,
      GRPC_CODES[ERROR_CODES[error.code].grpc],
      undefined,
      undefined,
      error,
    );
  }
  return new ConnectError(GENERIC_INTERNAL_MESSAGE, Code.Internal, undefined, undefined, error);
}

const APP_CODES: Partial<Record<Code, ErrorCode>> = {
  [Code.InvalidArgument]: 'VALIDATION_ERROR',
  [Code.Unauthenticated]: 'UNAUTHORIZED',
  [Code.PermissionDenied]: 'FORBIDDEN',
  [Code.NotFound]: 'NOT_FOUND',
  [Code.AlreadyExists]: 'CONFLICT',
  [Code.FailedPrecondition]: 'CONFLICT',
  [Code.ResourceExhausted]: 'RATE_LIMITED',
};

/**
 * Client side: a downstream failure as an AppError. An unreachable or timed-out dependency is
 * SERVICE_UNAVAILABLE (503) so the client retries; rule violations keep their meaning.
 */
export function fromGrpcError(error: unknown, dependency: string): AppError {
  if (error instanceof AppError) return error;
  const connectError = ConnectError.from(error);
  const code = APP_CODES[connectError.code];
  if (code) return new AppError(code, connectError.rawMessage, { cause: error });
  return new AppError('SERVICE_UNAVAILABLE', `${dependency} is unavailable`, { cause: error });
}
