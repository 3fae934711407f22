export { isDateTime, useFastDateTimeCheck } from './date-time.ts';

/**
 * Text no field of this API accepts: NUL (PostgreSQL's text type refuses it and it truncates C
 * strings downstream) and lone UTF-16 surrogates (not text at all: they cannot be encoded as
 * UTF-8, so a store would keep U+FFFD instead of what was sent). One check for every transport.
 */
export function isAcceptableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/**
 * The path (`payload.body`, `user_ids.3`) of the first string, or key, in `value` that is not
 * acceptable text; undefined when every string is. Iterative, so any nesting depth is safe.
 */
export function findUnacceptableText(value: unknown, root = ''): string | undefined {
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (!isAcceptableText(current)) return path;
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, join(path, String(index))]));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        if (!isAcceptableText(key)) return join(path, printable(key));
        pending.push([item, join(path, key)]);
      }
    }
  }
  return undefined;
}

/**
 * Whether parsing the JSON `text` can yield a string or key that is not acceptable text. JSON
 * forbids raw control characters in strings, so NUL arrives only as a `\u` escape, and a lone
 * surrogate only as an escape or in a `text` that is itself not well-formed: without either,
 * every parsed string is acceptable and the walk of `findUnacceptableText` can be skipped.
 */
export function jsonMayHoldUnacceptableText(text: string): boolean {
  return text.includes('\\u') || !text.isWellFormed();
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const printable = (key: string) => key.toWellFormed().replaceAll('\u0000', '\ufffd');

export const UNACCEPTABLE_TEXT_MESSAGE =
  'must not contain NUL characters or unpaired UTF-16 surrogates';
