import type { Caller } from '@wa/pkg/http';
import { countryCallingCodeOf, toE164 } from '@wa/pkg/phone';
import { profileForViewer } from '../model/privacy.ts';
import type { ContactSyncBody, ContactSyncResult, RegisteredUser } from '../model/schemas.ts';
import type { ContactRepository } from '../repository/contact-repository.ts';
import type { UserRepository } from '../repository/user-repository.ts';
import { orUserNotFound, relationOf, settingsOf } from './user-views.ts';

export interface ContactServiceDeps {
  users: UserRepository;
  contacts: ContactRepository;
}

/** Splits submitted numbers into distinct E.164 numbers and the distinct strings that are not. */
export function normaliseNumbers(numbers: readonly string[], countryCode: string | undefined) {
  const valid = new Set<string>();
  const invalid = new Set<string>();
  for (const raw of numbers) {
    const e164 = toE164(raw, countryCode);
    if (e164) valid.add(e164);
    else invalid.add(raw);
  }
  return { valid: [...valid], invalid: [...invalid] };
}

export function createContactService({ users, contacts }: ContactServiceDeps) {
  return {
    /**
     * Matches an address book against registered users with one lookup and records the matches
     * in the caller's contacts with one multi-row insert, whatever the number of numbers. Adds
     * only: numbers missing from a later sync are not removed. National numbers are read in
     * `country_code`, else in the caller's own country.
     */
    async sync(caller: Caller, body: ContactSyncBody): Promise<ContactSyncResult> {
      const countryCode = body.country_code ?? countryCallingCodeOf(caller.phone);
      const { valid, invalid } = normaliseNumbers(body.phone_numbers, countryCode);
      const rows = valid.length > 0 ? await users.findViewsByPhones(valid, caller.userId) : [];
      await orUserNotFound(
        contacts.addMany(
          caller.userId,
          rows.map((row) => row.id),
        ),
      );
      const byPhone = new Map(rows.map((row) => [row.phone, row]));
      const registered = valid.flatMap((phone): RegisteredUser[] => {
        const row = byPhone.get(phone);
        if (!row) return [];
        const seen = profileForViewer(row, settingsOf(row), relationOf(row, caller.userId));
        return [
          {
            phone: row.phone,
            user_id: row.id,
            display_name: row.display_name,
            avatar_url: seen.avatar_url,
          },
        ];
      });
      return { registered_users: registered, invalid_numbers: invalid };
    },
  };
}

export type ContactService = ReturnType<typeof createContactService>;
