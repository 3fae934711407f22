import { PG_FOREIGN_KEY_VIOLATION, pgErrorCode } from '@wa/pkg/db';
import { notFound } from '@wa/pkg/errors';
import { DEFAULT_PRIVACY, type Relation } from '../model/privacy.ts';
import type { PrivacySettings } from '../model/schemas.ts';
import type { UserViewRow } from '../repository/user-repository.ts';

export const userNotFound = () => notFound('User not found');

/** Ids are lower-case everywhere behind the edge (PostgreSQL returns them so too). */
export const sameId = (a: string, b: string): boolean => a === b;

export function relationOf(row: UserViewRow, viewerId: string | null): Relation {
  return {
    self: viewerId !== null && sameId(row.id, viewerId),
    inOwnerContacts: row.viewer_in_contacts,
    blockedByOwner: row.viewer_blocked,
  };
}

/** The owner's settings, with the defaults of a user who never saved any. */
export function settingsOf(row: UserViewRow): Omit<PrivacySettings, 'read_receipts'> {
  return {
    last_seen: row.last_seen ?? DEFAULT_PRIVACY.last_seen,
    profile_photo: row.profile_photo ?? DEFAULT_PRIVACY.profile_photo,
    about: row.about ?? DEFAULT_PRIVACY.about,
  };
}

/** A write whose foreign key names a user that does not exist (the caller was deleted) is a 404. */
export async function orUserNotFound<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION) throw userNotFound();
    throw error;
  }
}
