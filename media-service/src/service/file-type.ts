import { AppError } from '@wa/pkg/errors';
import { oleFormat, zipFormat, type RandomAccess } from '../model/containers.ts';
import { acceptedAs, FORMATS, type FormatName, type MediaType } from '../model/media-formats.ts';
import { sniffHead } from '../model/sniff-head.ts';

export const unsupportedMediaType = (message: string) =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', message);

/** What an upload is, from its bytes alone. */
export interface FileType {
  format: FormatName;
  mime: string;
}

export interface UploadedBytes {
  head: Uint8Array;
  /** The intake's verdict on every byte (upload-intake.ts). */
  plainText: boolean;
  /** The stored file, for containers whose directory is not at the start. */
  file: RandomAccess;
}

/**
 * Addenda I: the format comes from the bytes (head signature, then a ZIP's or compound file's
 * directory, or plain text to the last byte) and must be one the PRD lists for the declared
 * `type`; anything else is 415, whatever the file's name or Content-Type said.
 */
export async function fileTypeOf(declared: MediaType, upload: UploadedBytes): Promise<FileType> {
  const verdict = sniffHead(upload.head);
  let format: FormatName | undefined;
  switch (verdict.kind) {
    case 'refused':
      throw unsupportedMediaType(`Unsupported file: ${verdict.reason}`);
    case 'format':
      format = verdict.format;
      break;
    case 'container':
      format = await (verdict.container === 'zip' ? zipFormat : oleFormat)(upload.file);
      if (!format) throw unsupportedMediaType(`Unsupported file: unreadable ${verdict.container}`);
      break;
    case 'text':
      if (!upload.plainText) throw unsupportedMediaType('Unsupported file: not plain UTF-8 text');
      format = 'txt';
      break;
  }
  if (!acceptedAs(format, declared))
    throw unsupportedMediaType(`A ${format} file cannot be uploaded as ${declared}`);
  return { format, mime: FORMATS[format].mime };
}
