import type { FormatName } from './media-formats.ts';

/** Bytes of the file's start `sniffHead` reads; every signature below lies within them. */
export const HEAD_BYTES = 4_096;

/**
 * What the start of a file says (addenda I: the type comes from the bytes, never from the name or
 * the Content-Type):
 * - `format`: recognised;
 * - `container`: a ZIP or OLE (compound file) container, whose entries tell what it is
 *   (`containers.ts`);
 * - `text`: no signature, and UTF-8 without NUL so far; plain text if the rest is too
 *   (`text-check.ts`);
 * - `refused`: a format the PRD does not list, markup (HTML, SVG, XML) or unknown binary.
 */
export type HeadVerdict =
  | { kind: 'format'; format: FormatName }
  | { kind: 'container'; container: 'zip' | 'ole' }
  | { kind: 'text' }
  | { kind: 'refused'; reason: string };

const ascii = (bytes: Uint8Array, start: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(start, start + length));

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  bytes.length >= at + signature.length && signature.every((byte, i) => bytes[at + i] === byte);

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const EBML = [0x1a, 0x45, 0xdf, 0xa3];

/** ISO base media (MP4, 3GP, M4A, MOV, HEIF): the `ftyp` box's brands. */
function isoMedia(head: Uint8Array): HeadVerdict | undefined {
  if (head.length < 16 || ascii(head, 4, 4) !== 'ftyp') return undefined;
  const boxSize = new DataView(head.buffer, head.byteOffset).getUint32(0);
  const major = ascii(head, 8, 4);
  const brands = [major];
  for (let at = 16; at + 4 <= Math.min(boxSize, head.length); at += 4)
    brands.push(ascii(head, at, 4));
  if (major.startsWith('3gp') || major.startsWith('3g2')) return { kind: 'format', format: '3gp' };
  if (major === 'M4A ' || major === 'M4B ') return { kind: 'format', format: 'm4a' };
  if (['qt  ', 'heic', 'heix', 'mif1', 'msf1', 'avif', 'crx '].includes(major))
    return { kind: 'refused', reason: `ISO media brand ${major.trim()} is not accepted` };
  const mp4Brands = [
    'isom',
    'iso2',
    'iso4',
    'iso5',
    'iso6',
    'mp41',
    'mp42',
    'avc1',
    'M4V ',
    'mmp4',
    'dash',
  ];
  if (brands.some((brand) => mp4Brands.includes(brand))) return { kind: 'format', format: 'mp4' };
  return { kind: 'refused', reason: `ISO media brand ${major.trim()} is not accepted` };
}

/** Matroska and WebM share the EBML header; its DocType says which. */
function matroska(head: Uint8Array): HeadVerdict {
  for (let at = 4; at + 3 < Math.min(head.length, 64); at++) {
    if (head[at] !== 0x42 || head[at + 1] !== 0x82) continue;
    const length = head[at + 2] & 0x7f; // a one-byte size (0x80 | length), as muxers write it
    const docType = ascii(head, at + 3, length);
    return docType === 'matroska'
      ? { kind: 'format', format: 'mkv' }
      : { kind: 'refused', reason: `EBML document type ${docType} is not accepted` };
  }
  return { kind: 'refused', reason: 'EBML file without a document type' };
}

/** An Ogg stream's first packet names its codec. */
function ogg(head: Uint8Array): HeadVerdict {
  const segments = head[26] ?? 0;
  const packet = 27 + segments;
  if (ascii(head, packet, 8) === 'OpusHead') return { kind: 'format', format: 'opus' };
  if (head[packet] === 0x01 && ascii(head, packet + 1, 6) === 'vorbis')
    return { kind: 'format', format: 'ogg' };
  return { kind: 'refused', reason: 'Ogg stream of a codec that is not accepted' };
}

/** MPEG audio frame sync: ADTS (AAC, layer 0) or MPEG-1/2 layer III (MP3). */
function mpegAudio(head: Uint8Array): HeadVerdict | undefined {
  if (head.length < 3 || head[0] !== 0xff || (head[1] & 0xe0) !== 0xe0) return undefined;
  const layer = (head[1] >> 1) & 0x03;
  if ((head[1] & 0xf6) === 0xf0) return { kind: 'format', format: 'aac' };
  if (layer === 0x01 && head[2] >> 4 !== 0x0f) return { kind: 'format', format: 'mp3' };
  return undefined;
}

const WHITESPACE = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20]);
/** Starts of HTML as browsers sniff it (WHATWG MIME Sniffing §7.1), plus XML and SVG. */
const MARKUP = [
  '<!DOCTYPE',
  '<HTML',
  '<HEAD',
  '<SCRIPT',
  '<IFRAME',
  '<H1',
  '<DIV',
  '<FONT',
  '<TABLE',
  '<A',
  '<STYLE',
  '<TITLE',
  '<B',
  '<BODY',
  '<BR',
  '<P',
  '<SVG',
  '<?XML',
];

/**
 * Whether text would be taken for a page by a browser: its first non-blank characters open a tag
 * (followed by a space or `>`), a comment, a doctype or an XML declaration.
 */
export function looksLikeMarkup(head: Uint8Array): boolean {
  let at = startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (at < head.length && WHITESPACE.has(head[at])) at++;
  const start = ascii(head, at, 16).toUpperCase();
  if (start.startsWith('<!--')) return true;
  return MARKUP.some((tag) => {
    if (!start.startsWith(tag)) return false;
    if (tag === '<!DOCTYPE' || tag === '<?XML') return true;
    const next = start.charCodeAt(tag.length);
    return next === 0x20 || next === 0x3e || WHITESPACE.has(next) || Number.isNaN(next);
  });
}

/** What the first bytes of a file (up to HEAD_BYTES, fewer for a smaller file) say it is. */
export function sniffHead(head: Uint8Array): HeadVerdict {
  if (head.length === 0) return { kind: 'refused', reason: 'empty file' };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: 'format', format: 'jpeg' };
  if (startsWith(head, PNG)) return { kind: 'format', format: 'png' };
  const first4 = ascii(head, 0, 4);
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')
    return { kind: 'format', format: 'gif' };
  if (first4 === 'RIFF')
    return ascii(head, 8, 4) === 'WEBP'
      ? { kind: 'format', format: 'webp' }
      : { kind: 'refused', reason: `RIFF ${ascii(head, 8, 4).trim()} is not accepted` };
  if (ascii(head, 0, 5) === '%PDF-') return { kind: 'format', format: 'pdf' };
  if (startsWith(head, OLE)) return { kind: 'container', container: 'ole' };
  if (first4 === 'PK\x03\x04' || first4 === 'PK\x05\x06')
    return { kind: 'container', container: 'zip' };
  if (first4 === 'OggS') return ogg(head);
  if (startsWith(head, EBML)) return matroska(head);
  if (ascii(head, 0, 3) === 'ID3') return { kind: 'format', format: 'mp3' };
  if (first4 === 'ADIF') return { kind: 'format', format: 'aac' };
  const iso = isoMedia(head);
  if (iso) return iso;
  const audio = mpegAudio(head);
  if (audio) return audio;
  return textOrUnknown(head);
}

function textOrUnknown(head: Uint8Array): HeadVerdict {
  if (head.includes(0)) return { kind: 'refused', reason: 'unrecognised binary file' };
  try {
    // stream: a multi-byte character cut at the end of the head is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return { kind: 'refused', reason: 'unrecognised binary file' };
  }
  if (looksLikeMarkup(head))
    return { kind: 'refused', reason: 'HTML, SVG and XML are not accepted' };
  return { kind: 'text' };
}
