// Small files of every format, built byte by byte from their specifications: what a sniffer reads
// of them (signatures, the ftyp box, the EBML header, the first Ogg page, a ZIP's directory and
// content types, a compound file's directory) is real; the media data after it is not.
import { crc32, deflateRawSync } from 'node:zlib';

const bytes = (...parts: (string | number[] | Uint8Array)[]): Uint8Array =>
  Buffer.concat(
    parts.map((part) =>
      typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part as Uint8Array),
    ),
  );

const u16 = (value: number) => [value & 0xff, (value >> 8) & 0xff];
const u32 = (value: number) => [...u16(value & 0xffff), ...u16(value >>> 16)];
const be32 = (value: number) => [
  (value >>> 24) & 0xff,
  (value >> 16) & 0xff,
  (value >> 8) & 0xff,
  value & 0xff,
];

const filler = (length: number) => new Uint8Array(length).fill(0x11);

export const jpeg = () => bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF\0', filler(64));
export const png = () =>
  bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], be32(13), 'IHDR', filler(17));
export const gif = () => bytes('GIF89a', [1, 0, 1, 0, 0, 0, 0], filler(16));
export const webp = () => bytes('RIFF', u32(30), 'WEBPVP8 ', u32(18), filler(18));
export const wav = () => bytes('RIFF', u32(36), 'WAVEfmt ', u32(16), filler(24));

/** An ISO base media file: its ftyp box with a major brand and compatible brands. */
export const isoMedia = (major: string, ...compatible: string[]) =>
  bytes(be32(16 + 4 * compatible.length), 'ftyp', major, [0, 0, 2, 0], ...compatible, filler(32));

/** An EBML header whose DocType is `docType` (Matroska: "matroska", WebM: "webm"). */
export const ebml = (docType: string) =>
  bytes(
    [0x1a, 0x45, 0xdf, 0xa3, 0x80 | (15 + docType.length)],
    [
      0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2, 0x81, 0x04, 0x42, 0xf3, 0x81,
      0x08,
    ],
    [0x42, 0x82, 0x80 | docType.length],
    docType,
    [0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02],
    filler(32),
  );

/** The first page of an Ogg stream, whose one packet starts with `packet`. */
export const oggPage = (packet: Uint8Array) =>
  bytes(
    'OggS',
    [0, 2],
    new Array<number>(8).fill(0),
    u32(1),
    u32(0),
    u32(0),
    [1, packet.length],
    packet,
  );
export const opus = () => oggPage(bytes('OpusHead', [1, 2, 0x38, 0x01], u32(48_000), [0, 0, 0]));
export const vorbis = () => oggPage(bytes([1], 'vorbis', u32(0), [2], u32(44_100), filler(14)));
export const theora = () => oggPage(bytes([0x80], 'theora', filler(34)));

export const adts = () => bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc], filler(32));
export const mp3Frame = () => bytes([0xff, 0xfb, 0x90, 0x64], filler(64));
export const mp3WithTag = () => bytes('ID3', [4, 0, 0, 0, 0, 0, 0], mp3Frame());
export const pdf = () => bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n');

interface ZipFile {
  name: string;
  data: string | Uint8Array;
  deflate?: boolean;
}

/** A ZIP archive (APPNOTE.TXT): local headers, the central directory, its end record. */
export function zip(files: ZipFile[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const directory: Uint8Array[] = [];
  let offset = 0;
  for (const file of files) {
    const raw = typeof file.data === 'string' ? Buffer.from(file.data) : Buffer.from(file.data);
    const stored = file.deflate ? deflateRawSync(raw) : raw;
    const name = Buffer.from(file.name);
    const method = file.deflate ? 8 : 0;
    const common = [
      ...u16(method),
      ...u16(0),
      ...u16(0),
      ...u32(crc32(raw)),
      ...u32(stored.length),
      ...u32(raw.length),
      ...u16(name.length),
      ...u16(0),
    ];
    const local = bytes(u32(0x04034b50), u16(20), u16(0), common, name, stored);
    directory.push(
      bytes(
        u32(0x02014b50),
        u16(20),
        u16(20),
        u16(0),
        common,
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(offset),
        name,
      ),
    );
    locals.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(directory);
  const end = bytes(
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(files.length),
    u16(files.length),
    u32(central.length),
    u32(offset),
    u16(0),
  );
  return Buffer.concat([...locals, central, end]);
}

const contentTypes = (mainPart: string, mainType: string) =>
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  `<Override PartName="/${mainPart}" ContentType="${mainType}"/>` +
  '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
  '</Types>';

/** An Office Open XML package whose main part is `mainPart` of content type `mainType`. */
export const officeOpenXml = (
  mainPart: string,
  mainType: string,
  options: { listed?: boolean } = {},
) =>
  zip([
    { name: '[Content_Types].xml', data: contentTypes(mainPart, mainType), deflate: true },
    { name: '_rels/.rels', data: '<Relationships/>', deflate: true },
    ...(options.listed === false ? [] : [{ name: mainPart, data: '<document/>', deflate: true }]),
    { name: 'docProps/core.xml', data: '<cp:coreProperties/>' },
  ]);

export const docx = () =>
  officeOpenXml(
    'word/document.xml',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  );
export const xlsx = () =>
  officeOpenXml(
    'xl/workbook.xml',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  );
export const pptx = () =>
  officeOpenXml(
    'ppt/presentation.xml',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
  );
export const plainZip = () =>
  zip([
    { name: 'photos/a.txt', data: 'hello', deflate: true },
    { name: 'notes.txt', data: 'world' },
  ]);

const FREE = 0xffffffff;
const END_OF_CHAIN = 0xfffffffe;
const FAT_SECTOR = 0xfffffffd;

function directoryEntry(name: string, type: number): Uint8Array {
  const entry = new Uint8Array(128);
  const encoded = Buffer.from(`${name}\0`, 'utf16le');
  entry.set(encoded, 0);
  entry.set(u16(encoded.length), 64);
  entry[66] = type;
  entry.set(u32(FREE), 68);
  entry.set(u32(FREE), 72);
  entry.set(u32(FREE), 76);
  return entry;
}

/**
 * A compound file (MS-CFB, version 3, 512-byte sectors) whose directory names `streams` after the
 * root entry: sector 0 holds the FAT, the directory follows in as many chained sectors as it needs.
 */
export function compoundFile(streams: string[]): Uint8Array {
  const entries = [
    directoryEntry('Root Entry', 5),
    ...streams.map((name) => directoryEntry(name, 2)),
  ];
  const directorySectors = Math.ceil(entries.length / 4);
  const header = new Uint8Array(512);
  header.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 0);
  header.set(u16(0x3e), 0x18);
  header.set(u16(3), 0x1a);
  header.set(u16(0xfffe), 0x1c);
  header.set(u16(9), 0x1e);
  header.set(u16(6), 0x20);
  header.set(u32(1), 0x2c); // one FAT sector
  header.set(u32(1), 0x30); // the directory starts in sector 1
  header.set(u32(4096), 0x38);
  header.set(u32(END_OF_CHAIN), 0x3c);
  header.set(u32(END_OF_CHAIN), 0x44);
  header.set(u32(0), 0x4c); // DIFAT[0]: the FAT is sector 0
  for (let i = 1; i < 109; i++) header.set(u32(FREE), 0x4c + i * 4);
  const fat = new Uint8Array(512).fill(0xff);
  fat.set(u32(FAT_SECTOR), 0);
  for (let i = 1; i <= directorySectors; i++)
    fat.set(u32(i === directorySectors ? END_OF_CHAIN : i + 1), i * 4);
  const directory = new Uint8Array(directorySectors * 512);
  entries.forEach((entry, i) => directory.set(entry, i * 128));
  return Buffer.concat([header, fat, directory]);
}

export const doc = () => compoundFile(['\u0001CompObj', 'WordDocument', '1Table']);
export const xls = () => compoundFile(['Workbook', '\u0005SummaryInformation']);
export const ppt = () => compoundFile(['Current User', 'PowerPoint Document', 'Pictures']);

export const text = () => Buffer.from('Einkaufsliste: Äpfel, Brot 🍞\nשלום\u200f\n');
export const elf = () =>
  bytes([0x7f], 'ELF', [2, 1, 1, 0], new Array<number>(8).fill(0), filler(48));
export const windowsExe = () => bytes('MZ', [0x90, 0, 3, 0, 0, 0, 4, 0], filler(48));
