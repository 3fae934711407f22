import type { FieldViolation } from './fcm-errors.ts';

/** A message that passed validation; other fields are kept as received. */
export interface ValidMessage extends Record<string, unknown> {
  token: string;
}

export type SendRequestCheck =
  | { ok: true; message: ValidMessage; validateOnly: boolean }
  | { ok: false; violation: FieldViolation };

type JsonObject = Record<string, unknown>;

const REQUEST_FIELDS = new Set(['message', 'validate_only', 'validateOnly']);
const MESSAGE_FIELDS = new Set([
  ...['name', 'data', 'notification', 'android', 'webpush', 'apns', 'fcm_options', 'fcmOptions'],
  ...['token', 'topic', 'condition'],
]);
const OBJECT_FIELDS = ['notification', 'android', 'webpush', 'apns', 'fcm_options', 'fcmOptions'];
const NOTIFICATION_TEXT_FIELDS = ['title', 'body', 'image'];
/** protobuf Duration in JSON: seconds with up to nine fractional digits and an `s`. */
const DURATION = /^\d+(\.\d{1,9})?s$/;
const ANDROID_PRIORITIES = new Set(['normal', 'high', 'NORMAL', 'HIGH']);
/**
 * Data keys the FCM v1 reference (projects.messages, `Message.data`) reserves: "from",
 * "message_type", and words starting with "google." or "gcm.notification.". "notification" is
 * not reserved in v1 (only the legacy API listed it, and FCM accepts it).
 */
const RESERVED_DATA_KEYS = new Set(['from', 'message_type']);
const RESERVED_DATA_PREFIXES = ['google.', 'gcm.notification.'];

/** Validates a `messages:send` body like FCM: the first problem found, with its field path. */
export function checkSendRequest(body: unknown): SendRequestCheck {
  if (!isObject(body)) return fail('', 'Invalid JSON payload received. Expected an object.');
  const unknownRequestField = Object.keys(body).find((key) => !REQUEST_FIELDS.has(key));
  if (unknownRequestField) return fail(unknownRequestField, unknownFieldText(unknownRequestField));
  const validateOnly = body.validate_only ?? body.validateOnly ?? false;
  if (typeof validateOnly !== 'boolean') return fail('validate_only', 'Expected a boolean.');

  const message = body.message;
  if (!isObject(message)) return fail('message', 'A message object is required.');
  const problem = findMessageProblem(message);
  if (problem) return { ok: false, violation: problem };
  return { ok: true, message: message as ValidMessage, validateOnly };
}

function findMessageProblem(message: JsonObject): FieldViolation | undefined {
  const unknownField = Object.keys(message).find((key) => !MESSAGE_FIELDS.has(key));
  if (unknownField) return violation(`message.${unknownField}`, unknownFieldText(unknownField));
  // This emulator serves device sends only, so the target must be a registration token.
  if (typeof message.token !== 'string' || message.token === '')
    return violation('message.token', 'A non-empty registration token is required.');
  if (message.topic !== undefined || message.condition !== undefined)
    return violation('message', 'Only one of token, topic or condition may be set.');
  if (message.name !== undefined && typeof message.name !== 'string')
    return violation('message.name', 'Expected a string.');
  const badObject = OBJECT_FIELDS.find((key) => key in message && !isObject(message[key]));
  if (badObject) return violation(`message.${badObject}`, 'Expected an object.');
  return (
    findDataProblem(message.data, 'message.data') ??
    findNotificationProblem(message.notification) ??
    findAndroidProblem(message.android)
  );
}

function findDataProblem(data: unknown, path: string): FieldViolation | undefined {
  if (data === undefined) return undefined;
  if (!isObject(data)) return violation(path, 'Expected a map of string keys to string values.');
  for (const [key, value] of Object.entries(data)) {
    if (isReservedDataKey(key))
      return violation(`${path}.${key}`, `Invalid data key "${key}": it is reserved.`);
    if (typeof value !== 'string') return violation(`${path}.${key}`, 'Expected a string value.');
  }
  return undefined;
}

function findNotificationProblem(notification: unknown): FieldViolation | undefined {
  if (!isObject(notification)) return undefined;
  const badText = NOTIFICATION_TEXT_FIELDS.find(
    (key) => key in notification && typeof notification[key] !== 'string',
  );
  return badText ? violation(`message.notification.${badText}`, 'Expected a string.') : undefined;
}

function findAndroidProblem(android: unknown): FieldViolation | undefined {
  if (!isObject(android)) return undefined;
  const { ttl, priority } = android;
  if (ttl !== undefined && (typeof ttl !== 'string' || !DURATION.test(ttl)))
    return violation('message.android.ttl', 'Expected a duration in seconds, such as "3.5s".');
  if (priority !== undefined && (typeof priority !== 'string' || !ANDROID_PRIORITIES.has(priority)))
    return violation('message.android.priority', 'Expected "NORMAL" or "HIGH".');
  return findDataProblem(android.data, 'message.android.data');
}

function isReservedDataKey(key: string): boolean {
  return (
    RESERVED_DATA_KEYS.has(key) || RESERVED_DATA_PREFIXES.some((prefix) => key.startsWith(prefix))
  );
}

function unknownFieldText(name: string): string {
  return `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function violation(field: string, description: string): FieldViolation {
  return field ? { field, description } : { description };
}

function fail(field: string, description: string): SendRequestCheck {
  return { ok: false, violation: violation(field, description) };
}
