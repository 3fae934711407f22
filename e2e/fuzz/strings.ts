import fc from 'fast-check';

/** Characters that break naive text handling: storage, JSON, terminals, bidi rendering. */
export const EDGE_CHARACTERS = [
  '\u0000', // NUL: PostgreSQL text refuses it
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\ufeff', // byte order mark
  '\ufffd', // replacement character
  '\u0085', // next line
  '\u2028', // line separator
  '😀', // 4-byte (astral) emoji
  '👩‍👩‍👧‍👦', // a ZWJ sequence
  '\u0301', // combining accent with nothing to combine with
  '\t',
  '\r\n',
  '"',
  '\\',
  '%',
  '../',
  '<script>',
  "'; --",
  '(',
  '[',
  '*',
  '.*',
  '(?=',
  'a{99999}',
  '$regex',
] as const;

const edgeCharacter = fc.constantFrom(...EDGE_CHARACTERS);

/** Ordinary and edge characters mixed, short to medium length. */
export const mixedString = fc
  .array(fc.oneof(edgeCharacter, fc.string({ maxLength: 8, unit: 'binary' })), { maxLength: 12 })
  .map((parts) => parts.join(''));

/** A big string (up to ~300 kB), rarely drawn: it is slow to send many of them. */
export const hugeString = fc
  .tuple(
    fc.constantFrom('a', '😀', '\u0000', 'é', '\ud800'),
    fc.integer({ min: 4_000, max: 300_000 }),
  )
  .map(([unit, count]) => unit.repeat(Math.ceil(count / unit.length)));

/** Every kind of string the fuzz pass sends where the API expects text. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: mixedString, weight: 8 },
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.constantFrom(' ', '   ', '\u00a0', '\u3000'), weight: 1 },
  { arbitrary: edgeCharacter, weight: 3 },
  { arbitrary: fc.uuid().map((id) => id.toUpperCase()), weight: 1 },
  { arbitrary: fc.uuid().map((id) => `${id}\u0000`), weight: 1 },
  { arbitrary: fc.constantFrom('null', 'true', '0', '-1', 'NaN', '1e309', '__proto__'), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
);

const hex = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * `encodeURIComponent`, except that a lone surrogate (which it refuses) is sent as its WTF-8 bytes:
 * percent-encoded text that is not valid UTF-8, exactly what a sloppy client would send.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff)
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map(hex)
        .join('');
    else out += encodeURIComponent(char);
  }
  return out;
}

/** A URL path segment a client might send for an id: percent-encoded junk included. */
export const badPathSegment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: nastyString.filter((s) => s.length < 20_000).map(percentEncode), weight: 4 },
  {
    // Undecodable or odd percent-encodings, passed raw.
    arbitrary: fc.constantFrom(
      '%E0%A4%A',
      '%',
      '%zz',
      '%00',
      '%C0%AF',
      '%ED%A0%80',
      '%2F',
      '..',
      '.',
    ),
    weight: 3,
  },
  { arbitrary: fc.integer({ min: 101, max: 20_000 }).map((n) => 'a'.repeat(n)), weight: 1 },
  { arbitrary: fc.uuid().map((id) => id.replaceAll('-', '')), weight: 1 },
  { arbitrary: fc.uuid(), weight: 2 },
);
