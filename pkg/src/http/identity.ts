import { unauthorized } from '../errors/index.ts';

/** Headers the gateway sets after authenticating a request; clients can never set them (addenda A). */
export const USER_ID_HEADER = 'x-user-id';
export const USER_PHONE_HEADER = 'x-user-phone';

export interface Caller {
  userId: string;
  phone: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/** The authenticated caller forwarded by the gateway, or 401 when the request did not come through it. */
export function requireCaller(headers: Record<string, string | string[] | undefined>): Caller {
  const userId = headers[USER_ID_HEADER];
  const phone = headers[USER_PHONE_HEADER];
  if (typeof userId !== 'string' || !isUuid(userId)) throw unauthorized();
  return { userId, phone: typeof phone === 'string' ? phone : '' };
}
