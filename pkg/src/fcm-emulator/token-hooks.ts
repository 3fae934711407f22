import { quotaExceeded, unavailable, unregistered } from './fcm-errors.ts';
import type { HttpAnswer } from './http-io.ts';

/** How many attempts for an `unavailable-…` token fail before one is delivered. */
const UNAVAILABLE_ATTEMPTS = 2;
/** How many attempts for a `quota-…` token are throttled before one is delivered. */
const QUOTA_ATTEMPTS = 1;

/**
 * The failure a test asked for through the token's prefix, for this attempt number (from 1);
 * undefined means deliver. Lets tests exercise cleanup and retries without a real device.
 */
export function hookedFailure(token: string, attempt: number): HttpAnswer | undefined {
  if (token.startsWith('unregistered-')) return unregistered();
  if (token.startsWith('unavailable-') && attempt <= UNAVAILABLE_ATTEMPTS) return unavailable();
  if (token.startsWith('quota-') && attempt <= QUOTA_ATTEMPTS) return quotaExceeded(1);
  return undefined;
}
