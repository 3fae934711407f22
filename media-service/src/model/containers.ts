import { inflateRawSync } from 'node:zlib';

/**
 * A stored file read at any offset: a Buffer in tests, S3 range reads once the upload is stored.
 * ZIP keeps its directory at the end and a compound file anywhere, so neither can be judged from
 * the first bytes alone.
 */
export interface RandomAccess {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export const bufferAccess = (bytes: Uint8Array): RandomAccess => ({
  size: bytes.length,
  read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
});

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const u16 = (bytes: Uint8Array, at: number) => view(bytes).getUint16(at, true);
const u32 = (bytes: Uint8Array, at: number) => view(bytes).getUint32(at, true);
const u64 = (bytes: Uint8Array, at: number) => Number(view(bytes).getBigUint64(at, true));

// ---- ZIP (APPNOTE.TXT) ----------------------------------------------------------------------

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** A directory larger than this is not one of the documents users share; refused as corrupt. */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;
const MAX_CONTENT_TYPES_BYTES = 1024 * 1024;

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

/** Where the central directory is, from the end-of-directory record (ZIP64 when it says so). */
async function directoryLocation(file: RandomAccess) {
  const tailLength = Math.min(file.size, 22 + 0xffff);
  const tail = await file.read(file.size - tailLength, tailLength);
  let end = -1;
  for (let at = tail.length - 22; at >= 0; at--)
    if (u32(tail, at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  if (end < 0) return undefined;
  let count = u16(tail, end + 10);
  let size = u32(tail, end + 12);
  let offset = u32(tail, end + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    if (end < 20 || u32(tail, end - 20) !== ZIP64_LOCATOR) return undefined;
    const recordAt = u64(tail, end - 20 + 8);
    if (recordAt + 56 > file.size) return undefined;
    const record = await file.read(recordAt, 56);
    if (u32(record, 0) !== ZIP64_END_OF_DIRECTORY) return undefined;
    count = u64(record, 32);
    size = u64(record, 40);
    offset = u64(record, 48);
  }
  if (size > MAX_DIRECTORY_BYTES || offset + size > file.size) return undefined;
  return { count, size, offset };
}

/** The central directory's entries; undefined when it is not a readable ZIP. */
async function zipEntries(file: RandomAccess): Promise<ZipEntry[] | undefined> {
  const location = await directoryLocation(file);
  if (!location) return undefined;
  const directory = await file.read(location.offset, location.size);
  const entries: ZipEntry[] = [];
  let at = 0;
  while (entries.length < location.count) {
    if (at + 46 > directory.length || u32(directory, at) !== DIRECTORY_ENTRY) return undefined;
    const nameLength = u16(directory, at + 28);
    const extraLength = u16(directory, at + 30);
    const commentLength = u16(directory, at + 32);
    if (at + 46 + nameLength > directory.length) return undefined;
    entries.push({
      name: new TextDecoder().decode(directory.subarray(at + 46, at + 46 + nameLength)),
      method: u16(directory, at + 10),
      compressedSize: u32(directory, at + 20),
      localOffset: u32(directory, at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** One small entry's bytes (stored or deflated); undefined when unreadable or too large. */
async function entryBytes(file: RandomAccess, entry: ZipEntry): Promise<Uint8Array | undefined> {
  if (entry.localOffset + 30 > file.size || entry.compressedSize > MAX_CONTENT_TYPES_BYTES)
    return undefined;
  const local = await file.read(entry.localOffset, 30);
  if (u32(local, 0) !== LOCAL_HEADER) return undefined;
  const start = entry.localOffset + 30 + u16(local, 26) + u16(local, 28);
  if (start + entry.compressedSize > file.size) return undefined;
  const data = await file.read(start, entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method !== 8) return undefined;
  try {
    return inflateRawSync(data, { maxOutputLength: MAX_CONTENT_TYPES_BYTES });
  } catch {
    return undefined;
  }
}

/** The main part's content type of each Office Open XML format (ECMA-376 part 1). */
const OFFICE_MAIN_PARTS = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
} as const;

const attribute = (tag: string, name: string): string | undefined =>
  new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(tag)?.[1];

/**
 * A ZIP archive, and which Office document it is when its `[Content_Types].xml` names the main
 * part of one and that part is in the archive; undefined when it is not a readable ZIP.
 */
export async function zipFormat(
  file: RandomAccess,
): Promise<'docx' | 'xlsx' | 'pptx' | 'zip' | undefined> {
  const entries = await zipEntries(file);
  if (!entries) return undefined;
  const contentTypes = entries.find((entry) => entry.name === '[Content_Types].xml');
  const bytes = contentTypes && (await entryBytes(file, contentTypes));
  if (!bytes) return 'zip';
  const xml = new TextDecoder().decode(bytes);
  const names = new Set(entries.map((entry) => entry.name));
  for (const tag of xml.match(/<Override\b[^>]*>/g) ?? []) {
    const part = attribute(tag, 'PartName')?.replace(/^\//, '');
    const type = attribute(tag, 'ContentType');
    if (!part || !names.has(part)) continue;
    for (const [format, mainType] of Object.entries(OFFICE_MAIN_PARTS))
      if (type === mainType) return format as keyof typeof OFFICE_MAIN_PARTS;
  }
  return 'zip';
}

// ---- Compound File Binary (MS-CFB): DOC, XLS, PPT ---------------------------------------------

const END_OF_CHAIN = 0xfffffffe;
const FREE_SECTOR = 0xffffffff;
const HEADER_DIFAT_ENTRIES = 109;
const DIRECTORY_ENTRY_BYTES = 128;

/**
 * The stream that makes a compound file a Word, Excel or PowerPoint document, in precedence order:
 * the directory is one flat list, so a presentation with an embedded chart also names a
 * `Workbook`, and a letter with an embedded sheet too.
 */
const OLE_STREAMS: [string, 'doc' | 'xls' | 'ppt'][] = [
  ['WordDocument', 'doc'],
  ['PowerPoint Document', 'ppt'],
  ['Workbook', 'xls'],
  ['Book', 'xls'],
];

/** The names in a compound file's directory; undefined when it is not a readable one. */
async function oleNames(file: RandomAccess): Promise<string[] | undefined> {
  if (file.size < 512) return undefined;
  const header = await file.read(0, 512);
  const shift = u16(header, 0x1e);
  if (shift !== 9 && shift !== 12) return undefined;
  const sectorSize = 1 << shift;
  const sectors = Math.ceil(file.size / sectorSize);
  const sectorAt = (sector: number) => (sector + 1) * sectorSize;
  const readSector = async (sector: number) =>
    sector < sectors && sectorAt(sector) + sectorSize <= file.size
      ? file.read(sectorAt(sector), sectorSize)
      : undefined;

  // The FAT's own sectors: 109 in the header, the rest in a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < HEADER_DIFAT_ENTRIES; i++) {
    const sector = u32(header, 0x4c + i * 4);
    if (sector !== FREE_SECTOR) fatSectors.push(sector);
  }
  let difat = u32(header, 0x44);
  for (let hops = 0; difat !== END_OF_CHAIN && difat !== FREE_SECTOR; hops++) {
    const block = hops < sectors ? await readSector(difat) : undefined;
    if (!block) return undefined;
    for (let i = 0; i < sectorSize / 4 - 1; i++) {
      const sector = u32(block, i * 4);
      if (sector !== FREE_SECTOR) fatSectors.push(sector);
    }
    difat = u32(block, sectorSize - 4);
  }

  const perFatSector = sectorSize / 4;
  const fatCache = new Map<number, Uint8Array | undefined>();
  async function next(sector: number): Promise<number | undefined> {
    const index = Math.floor(sector / perFatSector);
    if (index >= fatSectors.length) return undefined;
    if (!fatCache.has(index)) fatCache.set(index, await readSector(fatSectors[index]));
    const block = fatCache.get(index);
    return block && u32(block, (sector % perFatSector) * 4);
  }

  const names: string[] = [];
  let sector: number | undefined = u32(header, 0x30);
  for (let hops = 0; sector !== END_OF_CHAIN; hops++) {
    const block = sector !== undefined && hops < sectors ? await readSector(sector) : undefined;
    if (!block) return undefined;
    for (let at = 0; at + DIRECTORY_ENTRY_BYTES <= block.length; at += DIRECTORY_ENTRY_BYTES) {
      const length = Math.min(u16(block, at + 64), 64);
      if (length < 2) continue;
      names.push(new TextDecoder('utf-16le').decode(block.subarray(at, at + length - 2)));
    }
    sector = await next(sector!);
  }
  return names;
}

/** Which Office document a compound file is; undefined for any other compound file. */
export async function oleFormat(file: RandomAccess): Promise<'doc' | 'xls' | 'ppt' | undefined> {
  const names = new Set(await oleNames(file));
  return OLE_STREAMS.find(([stream]) => names.has(stream))?.[1];
}
