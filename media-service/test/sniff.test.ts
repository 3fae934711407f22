import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@wa/pkg/errors';
import { bufferAccess } from '../src/model/containers.ts';
import { acceptedAs, FORMATS, MEDIA_TYPES, type FormatName } from '../src/model/media-formats.ts';
import { HEAD_BYTES } from '../src/model/sniff-head.ts';
import { createTextCheck } from '../src/model/text-check.ts';
import { fileTypeOf } from '../src/service/file-type.ts';
import * as sample from './samples.ts';

/** Every declared type a format may be uploaded as, tried in turn: the format, or why not. */
async function formatOf(file: Uint8Array): Promise<string> {
  const check = createTextCheck();
  const upload = {
    head: file.subarray(0, HEAD_BYTES),
    plainText: check.push(file) && check.end(),
    file: bufferAccess(file),
  };
  let refusal = '';
  for (const type of MEDIA_TYPES) {
    try {
      return (await fileTypeOf(type, upload)).format;
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'UNSUPPORTED_MEDIA_TYPE') throw error;
      refusal ||= `refused: ${error.message.replace(/^Unsupported file: /, '')}`;
    }
  }
  return refusal;
}

test('every format of the PRD is recognised from its bytes', async () => {
  const expected: [FormatName, Uint8Array][] = [
    ['jpeg', sample.jpeg()],
    ['png', sample.png()],
    ['gif', sample.gif()],
    ['webp', sample.webp()],
    ['mp4', sample.isoMedia('isom', 'isom', 'iso2', 'avc1', 'mp41')],
    ['mp4', sample.isoMedia('mp42', 'mp42', 'isom')],
    ['3gp', sample.isoMedia('3gp4', '3gp4', 'isom')],
    ['m4a', sample.isoMedia('M4A ', 'M4A ', 'mp42', 'isom')],
    ['mkv', sample.ebml('matroska')],
    ['aac', sample.adts()],
    ['ogg', sample.vorbis()],
    ['opus', sample.opus()],
    ['mp3', sample.mp3Frame()],
    ['mp3', sample.mp3WithTag()],
    ['pdf', sample.pdf()],
    ['doc', sample.doc()],
    ['xls', sample.xls()],
    ['ppt', sample.ppt()],
    ['docx', sample.docx()],
    ['xlsx', sample.xlsx()],
    ['pptx', sample.pptx()],
    ['zip', sample.plainZip()],
    ['txt', sample.text()],
  ];
  for (const [format, file] of expected) assert.equal(await formatOf(file), format, format);
  const covered = new Set(expected.map(([format]) => format));
  assert.deepEqual(
    Object.keys(FORMATS).filter((format) => !covered.has(format as FormatName)),
    [],
    'a sample for every format',
  );
});

test('formats the PRD does not list are refused, whatever they are declared as', async () => {
  const refused: [string, Uint8Array][] = [
    ['QuickTime', sample.isoMedia('qt  ', 'qt  ')],
    ['HEIC', sample.isoMedia('heic', 'mif1', 'heic')],
    ['WebM', sample.ebml('webm')],
    ['Theora in Ogg', sample.theora()],
    ['WAV', sample.wav()],
    ['ELF executable', sample.elf()],
    ['Windows executable', sample.windowsExe()],
    ['an OLE file that is no Office document', sample.compoundFile(['Contents', 'Data'])],
    ['a ZIP whose directory is cut off', sample.plainZip().subarray(0, 60)],
    ['an empty file', new Uint8Array()],
  ];
  for (const [what, file] of refused) assert.match(await formatOf(file), /^refused/, what);
});

test('SVG, HTML and XML are never accepted, even as text', async () => {
  const markup = [
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    '\ufeff  <!DOCTYPE html><html><body>hi</body></html>',
    '\n\n<HTML>',
    '<p>hello',
    '<!-- a comment --> then text',
    '<script>alert(1)</script>',
  ];
  for (const text of markup)
    assert.match(await formatOf(Buffer.from(text)), /^refused: HTML, SVG/, text);
  for (const text of ['<3 you', 'a < b and <bold> claims', 'price <10 EUR'])
    assert.equal(await formatOf(Buffer.from(text)), 'txt', text);
});

test('a disguised file is refused with 415 for the type it claims', async () => {
  const upload = (file: Uint8Array) => {
    const check = createTextCheck();
    return { head: file, plainText: check.push(file) && check.end(), file: bufferAccess(file) };
  };
  const refused = (error: unknown) =>
    error instanceof AppError && error.code === 'UNSUPPORTED_MEDIA_TYPE';
  // A text file named photo.png with Content-Type image/png: the name and type are never read.
  await assert.rejects(fileTypeOf('image', upload(Buffer.from('definitely a PNG'))), refused);
  await assert.rejects(fileTypeOf('document', upload(sample.elf())), refused, 'an executable');
  await assert.rejects(fileTypeOf('document', upload(sample.windowsExe())), refused);
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
  await assert.rejects(fileTypeOf('image', upload(svg)), refused, 'an SVG as image');
  await assert.rejects(fileTypeOf('video', upload(sample.jpeg())), refused);
  assert.deepEqual(await fileTypeOf('document', upload(sample.docx())), {
    format: 'docx',
    mime: FORMATS.docx.mime,
  });
  assert.deepEqual(await fileTypeOf('audio', upload(sample.opus())), {
    format: 'opus',
    mime: 'audio/opus',
  });
  assert.equal(acceptedAs('pdf', 'image'), false);
  assert.equal(acceptedAs('mp4', 'audio'), true, 'an .m4a under an isom brand');
  assert.equal(acceptedAs('jpeg', 'document'), false);
});

test('an Office package names its main part in its content types, and the part must exist', async () => {
  const mainMissing = sample.officeOpenXml(
    'word/document.xml',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
    { listed: false },
  );
  assert.equal(await formatOf(mainMissing), 'zip');
  const macroEnabled = sample.officeOpenXml(
    'word/document.xml',
    'application/vnd.ms-word.document.macroEnabled.main+xml',
  );
  assert.equal(await formatOf(macroEnabled), 'zip', 'a .docm is no .docx');
});

test('a compound file directory is followed across its sectors', async () => {
  const streams = [
    '\u0005SummaryInformation',
    'ObjectPool',
    '1Table',
    'Data',
    'CompObj',
    'WordDocument',
  ];
  assert.equal(await formatOf(sample.compoundFile(streams)), 'doc');
  const embeddedSheet = sample.compoundFile(['Workbook', 'PowerPoint Document']);
  assert.equal(await formatOf(embeddedSheet), 'ppt', 'a presentation with an embedded sheet');
});

test('plain text is checked to its last byte while it streams', () => {
  const good = createTextCheck();
  const text = Buffer.from('Grüße 🍞 and more');
  const cut = text.indexOf(0xf0) + 2; // inside the 4-byte emoji
  assert.equal(good.push(text.subarray(0, cut)), true);
  assert.equal(good.push(text.subarray(cut)), true);
  assert.equal(good.end(), true);

  const nul = createTextCheck();
  assert.equal(nul.push(Buffer.from('fine so far')), true);
  assert.equal(nul.push(Buffer.from([0x61, 0x00, 0x62])), false);
  assert.equal(nul.end(), false);

  const invalid = createTextCheck();
  assert.equal(invalid.push(Buffer.from([0x61, 0xc3, 0x28])), false, 'a broken sequence');
  const loneSurrogate = createTextCheck();
  assert.equal(loneSurrogate.push(Buffer.from([0xed, 0xa0, 0x80])), false, 'an encoded surrogate');
  const cutOff = createTextCheck();
  assert.equal(cutOff.push(Buffer.from([0x61, 0xe2, 0x82])), true);
  assert.equal(cutOff.end(), false, 'a character cut off at the end');
});
