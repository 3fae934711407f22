import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Returns the E.164 form of a phone number, or undefined when it is not a valid number.
 * A number without a leading '+' is read in the given country calling code ("+1", "44").
 */
export function toE164(phone: string, countryCode?: string): string | undefined {
  const trimmed = phone.replace(/[\s().-]/g, '');
  const digitsCode = countryCode?.replace(/^\+/, '');
  const candidate =
    trimmed.startsWith('+') || !digitsCode
      ? trimmed
      : `+${digitsCode}${trimmed.replace(/^0+/, '')}`;
  if (!/^\+[1-9]\d{6,14}$/.test(candidate)) return undefined;
  const parsed = parsePhoneNumberFromString(candidate);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** The country calling code of an E.164 number ("+4915112345678" → "49"), or undefined. */
export function countryCallingCodeOf(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.countryCallingCode;
}
