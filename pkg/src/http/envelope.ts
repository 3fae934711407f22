import { Type, type TSchema } from 'typebox';
import { ERROR_CODES, type ErrorCode, type ErrorDetail } from '../errors/index.ts';

export interface Meta {
  request_id: string;
  timestamp: string;
}

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  error: null;
  meta: Meta;
}

export interface ErrorEnvelope {
  success: false;
  data: null;
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
  meta: Meta;
}

const meta = (requestId: string): Meta => ({
  request_id: requestId,
  timestamp: new Date().toISOString(),
});

export function ok<T>(requestId: string, data: T): SuccessEnvelope<T> {
  return { success: true, data, error: null, meta: meta(requestId) };
}

export function failure(
  requestId: string,
  code: ErrorCode,
  message: string,
  details?: ErrorDetail[],
): ErrorEnvelope {
  return {
    success: false,
    data: null,
    error: details && details.length > 0 ? { code, message, details } : { code, message },
    meta: meta(requestId),
  };
}

const MetaSchema = Type.Object({ request_id: Type.String(), timestamp: Type.String() });

/** Response schema of a successful envelope; doubles as the serialisation allow-list for `data`. */
export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), data, error: Type.Null(), meta: MetaSchema });

const ErrorCodeSchema = Type.Union(
  (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => Type.Literal(code)),
);

/** Every error answer (addenda A); the reference documents it, the error handler writes it. */
export const ErrorEnvelopeSchema = Type.Object({
  success: Type.Literal(false),
  data: Type.Null(),
  error: Type.Object({
    code: ErrorCodeSchema,
    message: Type.String(),
    details: Type.Optional(
      Type.Array(Type.Object({ field: Type.Optional(Type.String()), message: Type.String() })),
    ),
  }),
  meta: MetaSchema,
});
