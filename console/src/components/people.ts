import type { Api } from '../api/endpoints.ts';
import type { RegisteredUser } from '../api/types.ts';

/** Phone numbers typed by the user, one per line or separated by commas. */
export const parsePhones = (text: string) =>
  text
    .split(/[\n,;]+/)
    .map((p) => p.replace(/[\s()-]/g, ''))
    .filter(Boolean);

/** The registered users among the numbers (contact sync); throws naming the ones not found. */
export async function findUsers(api: Api, phones: string[]): Promise<RegisteredUser[]> {
  const { registered_users: found, invalid_numbers: invalid } = await api.findByPhone(phones);
  if (invalid.length > 0) throw new Error(`Not a phone number: ${invalid.join(', ')}`);
  const missing = phones.filter((p) => !found.some((u) => u.phone === p));
  if (found.length < phones.length && missing.length > 0) {
    throw new Error(`Not on WA yet: ${missing.join(', ')}`);
  }
  return found;
}
