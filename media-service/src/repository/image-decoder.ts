import sharp from 'sharp';
import { AppError } from '@wa/pkg/errors';
import { THUMBNAIL_SIDE } from './media-probe.ts';

/** An image's displayed size and its JPEG thumbnail. */
export interface DecodedImage {
  width: number;
  height: number;
  thumbnail: Buffer;
}

/** Above this the image is refused rather than decoded (a decompression bomb): 100 megapixels. */
const MAX_PIXELS = 100_000_000;

const undecodable = () =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', 'The file could not be decoded as an image');

/**
 * Images through libvips (sharp): the size as displayed (EXIF orientation applied; an animation's
 * frame, not the strip of all frames) and a JPEG thumbnail of the first frame whose longest side
 * is THUMBNAIL_SIDE. Decoding the whole image is also the proof that it is one: a truncated or
 * corrupt file is 415.
 */
export function createImageDecoder() {
  sharp.cache(false);
  return async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
    const options = { failOn: 'error', limitInputPixels: MAX_PIXELS } as const;
    try {
      const image = sharp(bytes, options);
      const meta = await image.metadata();
      // An animation's height is its first frame's; EXIF orientations 5-8 swap the sides.
      const frame = { width: meta.width, height: meta.pageHeight ?? meta.height };
      const swapped = (meta.orientation ?? 1) >= 5;
      const thumbnail = await image
        .rotate()
        .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside' })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 78, mozjpeg: false })
        .toBuffer();
      return swapped
        ? { width: frame.height, height: frame.width, thumbnail }
        : { ...frame, thumbnail };
    } catch {
      throw undecodable();
    }
  };
}

export type ImageDecoder = ReturnType<typeof createImageDecoder>;
