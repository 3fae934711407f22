import { Format } from 'typebox/format';

/** The form `Date.prototype.toISOString` writes, which every timestamp of ours takes. */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/**
 * RFC 3339 `date-time`, as TypeBox checks it, without its allocations for the common form: TypeBox
 * splits the string and runs two regular expressions that build match arrays, for every
 * timestamp of every event and frame (a tenth of what the chat-service's validation allocated).
 * The common form is checked here digit by digit; anything else (an offset, a lower-case `t` or
 * `z`, a leap second) goes to TypeBox's own check.
 */
export function isDateTime(value: string): boolean {
  if (!ISO_UTC.test(value)) return Format.IsDateTime(value);
  const number = (from: number, digits: number) => {
    let total = 0;
    for (let i = from; i < from + digits; i += 1) total = total * 10 + value.charCodeAt(i) - 48;
    return total;
  };
  const year = number(0, 4);
  const month = number(5, 2);
  const day = number(8, 2);
  const last = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month];
  if (month < 1 || month > 12 || day < 1 || day > last) return false;
  if (number(11, 2) > 23 || number(14, 2) > 59) return false;
  const second = number(17, 2);
  return second < 60 || Format.IsDateTime(value);
}

/** Makes every TypeBox validator of this process check `date-time` with `isDateTime`. */
export function useFastDateTimeCheck(): void {
  Format.Set('date-time', isDateTime);
}
