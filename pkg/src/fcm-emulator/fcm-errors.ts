import type { HttpAnswer } from './http-io.ts';

/** The FCM v1 error codes this emulator answers with (google.firebase.fcm.v1.FcmError). */
export type FcmErrorCode =
  'INVALID_ARGUMENT' | 'UNREGISTERED' | 'SENDER_ID_MISMATCH' | 'QUOTA_EXCEEDED' | 'UNAVAILABLE';

export interface FieldViolation {
  /** The offending field's path, e.g. `message.data.count`; absent when the body is not JSON. */
  field?: string;
  description: string;
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const CREDENTIALS_HELP =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** Google's error envelope: `{ error: { code, message, status, details? } }`. */
export function googleError(
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): HttpAnswer {
  return { status: code, body: { error: { code, message, status, ...(details && { details }) } } };
}

export function invalidArgument(violation: FieldViolation): HttpAnswer {
  const message = violation.field
    ? `Invalid value at '${violation.field}': ${violation.description}`
    : violation.description;
  return googleError(400, 'INVALID_ARGUMENT', message, [
    fcmErrorDetail('INVALID_ARGUMENT'),
    { '@type': BAD_REQUEST_TYPE, fieldViolations: [violation] },
  ]);
}

export function unauthenticated(credentialsSent: boolean): HttpAnswer {
  const message = credentialsSent
    ? `Request had invalid authentication credentials. ${CREDENTIALS_HELP}`
    : `Request is missing required authentication credential. ${CREDENTIALS_HELP}`;
  const answer = googleError(401, 'UNAUTHENTICATED', message);
  return {
    ...answer,
    headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
  };
}

export function senderIdMismatch(): HttpAnswer {
  return googleError(403, 'PERMISSION_DENIED', 'SenderId mismatch', [
    fcmErrorDetail('SENDER_ID_MISMATCH'),
  ]);
}

export function unregistered(): HttpAnswer {
  return googleError(404, 'NOT_FOUND', 'Requested entity was not found.', [
    fcmErrorDetail('UNREGISTERED'),
  ]);
}

export function unavailable(): HttpAnswer {
  return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.', [
    fcmErrorDetail('UNAVAILABLE'),
  ]);
}

export function quotaExceeded(retryAfterSeconds: number): HttpAnswer {
  const answer = googleError(
    429,
    'RESOURCE_EXHAUSTED',
    'Quota exceeded for sending messages to this device.',
    [fcmErrorDetail('QUOTA_EXCEEDED')],
  );
  return { ...answer, headers: { 'retry-after': String(retryAfterSeconds) } };
}

function fcmErrorDetail(errorCode: FcmErrorCode) {
  return { '@type': FCM_ERROR_TYPE, errorCode };
}
