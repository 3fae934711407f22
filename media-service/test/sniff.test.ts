import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferAccess, oleFormat, zipFormat } from '../src/model/containers.ts';
import { acceptedAs, FORMATS, type FormatName } from '../src/model/media-formats.ts';
import { HEAD_BYTES, sniffHead, type HeadVerdict } from '../src/model/sniff-head.ts';
import { createTextCheck } from '../src/model/text-check.ts';
import * as sample from './samples.ts';

/** What a whole file is, as the upload will decide it: head, then container or text check. */
async function formatOf(file: Uint8Array): Promise<string> {
  const verdict: HeadVerdict = sniffHead(file.subarray(0, HEAD_BYTES));
  switch (verdict.kind) {
    case 'format':
      return verdict.format;
    case 'refused':
      return `refused: ${verdict.reason}`;
    case 'container': {
      const found = await (verdict.container === 'zip' ? zipFormat : oleFormat)(bufferAccess(file));
      return found ?? `refused: unreadable ${verdict.container}`;
    }
    case 'text': {
      const check = createTextCheck();
      return check.push(file) && check.end() ? 'txt' : 'refused: not plain text';
    }
  }
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

test('a disguised file is what its bytes say, not what it claims', async () => {
  // A text file named photo.png with Content-Type image/png: the name and type are never read.
  const format = (await formatOf(Buffer.from('definitely a PNG'))) as FormatName;
  assert.equal(format, 'txt');
  assert.equal(acceptedAs(format, 'image'), false);
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
