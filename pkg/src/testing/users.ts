import { randomInt } from 'node:crypto';
import type { Queryable } from '../db/index.ts';

/** A fresh, valid E.164 number (German mobile range) so tests never share OTP or rate-limit state. */
export const randomPhone = (): string =>
  `+49151${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

export interface TestUser {
  id: string;
  phone: string;
  display_name: string;
}

/**
 * A fresh user. The test database keeps every run's users, so a random phone can already be
 * taken; a fresh one is drawn then (a phone given in `overrides` is used as it is).
 */
export async function makeUser(
  db: Queryable,
  overrides: Partial<Omit<TestUser, 'id'>> = {},
): Promise<TestUser> {
  for (let attempt = 0; ; attempt++) {
    const { rows } = await db.query<TestUser>(
      `INSERT INTO users (phone, display_name) VALUES ($1, $2)
       ${overrides.phone || attempt >= 5 ? '' : 'ON CONFLICT (phone) DO NOTHING'}
       RETURNING id, phone, display_name`,
      [overrides.phone ?? randomPhone(), overrides.display_name ?? 'Test User'],
    );
    if (rows[0]) return rows[0];
  }
}
