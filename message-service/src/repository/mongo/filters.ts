import type { Filter } from '@wa/pkg/db';
import type { MessageKey } from '../../model/message.ts';

/** Keyset filters and search terms, shared by every collection keyed by (created_at, message_id). */

type Keyed = { created_at: Date; message_id: string };

/** Strictly before `key` in (created_at, message_id) order; no condition without a key. */
export function olderThan<T extends Keyed>(key: MessageKey | undefined): Filter<T> {
  if (!key) return {};
  return {
    $or: [
      { created_at: { $lt: key.created_at } },
      { created_at: key.created_at, message_id: { $lt: key.message_id } },
    ],
  } as Filter<T>;
}

/** Strictly after `key` in (created_at, message_id) order; no condition without a key. */
export function newerThan<T extends Keyed>(key: MessageKey | undefined): Filter<T> {
  if (!key) return {};
  return {
    $or: [
      { created_at: { $gt: key.created_at } },
      { created_at: key.created_at, message_id: { $gt: key.message_id } },
    ],
  } as Filter<T>;
}

export const NEWEST_FIRST = { created_at: -1, message_id: -1 } as const;
export const OLDEST_FIRST = { created_at: 1, message_id: 1 } as const;

const NOT_WORD = '[^\\p{L}\\p{N}_]';

/**
 * A regex source matching `term` as a whole word, also next to non-ASCII letters (`\b` is
 * ASCII-only in RE2 and PCRE); the term is escaped, never interpreted.
 */
export function wholeWordPattern(term: string): string {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(^|${NOT_WORD})${escaped}($|${NOT_WORD})`;
}

/** Every term somewhere in the body or the caption, as a whole word, case-insensitively. */
export function everyTermFilter(terms: string[]): Filter<Record<string, unknown>> {
  return {
    $and: terms.map((term) => {
      const word = { $regex: wholeWordPattern(term), $options: 'i' };
      return { $or: [{ 'payload.body': word }, { 'payload.caption': word }] };
    }),
  };
}

/**
 * `$text` over the text index (no language: no stemming, no stop words), each term a quoted
 * phrase. It only narrows the search to what the index finds; the regexes above still decide,
 * since neither its tokenising nor its phrase matching is the contract's whole words.
 */
export const textSearch = (terms: string[]) => ({
  $search: terms.map((term) => `"${term}"`).join(' '),
});
