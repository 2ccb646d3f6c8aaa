/**
 * Raw images as ROS delivers them (`sensor_msgs/Image`: encoding, row step with padding) and PNG
 * files, turned into tightly packed RGB8. Every malformed input gives an {@link ImageError}
 * naming the offending value.
 */
import { convertIndexedToRgb, decode as decodePngBytes, hasPngSignature } from 'fast-png';
import { ImageError } from './errors.js';

/** A tightly packed RGB8 image: data [height, width, 3]. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A frame in ROS `sensor_msgs/Image` terms. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  /** One of {@link SUPPORTED_ENCODINGS}. */
  readonly encoding: string;
  /** Bytes per row including padding (≥ width × bytes per pixel). */
  readonly step: number;
  readonly data: Uint8Array;
}

/** Encodings accepted from ROS, with bytes per pixel and where R, G, B sit in a pixel. */
const ENCODINGS = {
  rgb8: { bytes: 3, r: 0, g: 1, b: 2 },
  bgr8: { bytes: 3, r: 2, g: 1, b: 0 },
  rgba8: { bytes: 4, r: 0, g: 1, b: 2 },
  bgra8: { bytes: 4, r: 2, g: 1, b: 0 },
  mono8: { bytes: 1, r: 0, g: 0, b: 0 },
} as const;

/** The encodings {@link rawToRgb} accepts. */
export const SUPPORTED_ENCODINGS = Object.keys(ENCODINGS) as (keyof typeof ENCODINGS)[];

/** Largest side accepted, a guard against absurd headers. */
export const MAX_IMAGE_SIDE = 16384;

function checkSize(width: number, height: number): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > MAX_IMAGE_SIDE) {
      throw new ImageError('BAD_SIZE', `image ${name} must be an integer in [1, ${MAX_IMAGE_SIDE}], got ${v}`);
    }
  }
}

/** Packed RGB8 as an rgb8 raw frame (the same bytes, no padding). */
export function rgbToRaw(img: RgbImage): RawImage {
  return { width: img.width, height: img.height, encoding: 'rgb8', step: img.width * 3, data: img.data };
}

/**
 * Converts a ROS-style raw frame to packed RGB8, honouring row padding. A frame that is packed
 * rgb8 already comes back as a view of its own buffer (the caller must not change it).
 * @throws ImageError UNKNOWN_ENCODING, BAD_SIZE or BAD_BUFFER.
 */
export function rawToRgb(img: RawImage): RgbImage {
  const layout = (ENCODINGS as Record<string, (typeof ENCODINGS)[keyof typeof ENCODINGS] | undefined>)[img.encoding];
  if (!layout) {
    throw new ImageError('UNKNOWN_ENCODING', `unsupported image encoding '${img.encoding}' (supported: ${SUPPORTED_ENCODINGS.join(', ')})`);
  }
  checkSize(img.width, img.height);
  const rowBytes = img.width * layout.bytes;
  if (!Number.isSafeInteger(img.step) || img.step < rowBytes) {
    throw new ImageError('BAD_BUFFER', `row step ${img.step} is smaller than width ${img.width} x ${layout.bytes} bytes = ${rowBytes}`);
  }
  const needed = img.step * (img.height - 1) + rowBytes;
  if (img.data.length < needed) {
    throw new ImageError('BAD_BUFFER', `${img.encoding} image ${img.width}x${img.height} (step ${img.step}) needs ${needed} bytes, got ${img.data.length}`);
  }
  // Packed rgb8 is already the result: a view, no copy (a 4K frame's copy took ~110 ms of the event loop per plan).
  if (img.encoding === 'rgb8' && img.step === rowBytes) return { width: img.width, height: img.height, data: img.data.subarray(0, rowBytes * img.height) };
  const out = new Uint8Array(img.width * img.height * 3);
  const { bytes, r, g, b } = layout;
  for (let y = 0; y < img.height; y++) {
    let src = y * img.step;
    let dst = y * img.width * 3;
    for (let x = 0; x < img.width; x++, src += bytes, dst += 3) {
      out[dst] = img.data[src + r] as number;
      out[dst + 1] = img.data[src + g] as number;
      out[dst + 2] = img.data[src + b] as number;
    }
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * Decodes PNG bytes (grey, grey+alpha, RGB, RGBA, palette; 8 or 16 bit) to packed RGB8, alpha dropped.
 * @throws ImageError DECODE_FAILED when the bytes are not a readable PNG.
 */
export function decodePng(bytes: Uint8Array): RgbImage {
  if (!hasPngSignature(bytes)) throw new ImageError('DECODE_FAILED', 'not a PNG file (bad signature)');
  let png: ReturnType<typeof decodePngBytes>;
  try {
    png = decodePngBytes(bytes);
  } catch (cause) {
    throw new ImageError('DECODE_FAILED', `PNG could not be decoded: ${(cause as Error).message}`, { cause });
  }
  checkSize(png.width, png.height);
  let data = png.data;
  let channels = png.channels;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = png.transparency ? 4 : 3;
  }
  const shift = png.depth === 16 ? 8 : 0;
  const n = png.width * png.height;
  if (data.length < n * channels) throw new ImageError('DECODE_FAILED', `PNG data has ${data.length} samples, expected ${n * channels}`);
  const out = new Uint8Array(n * 3);
  const colour = channels >= 3;
  for (let i = 0; i < n; i++) {
    const base = i * channels;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = (data[base + (colour ? c : 0)] as number) >> shift;
  }
  return { width: png.width, height: png.height, data: out };
}

/** Checks that a packed RGB image's buffer matches its size. @throws ImageError. */
export function checkRgb(img: RgbImage): void {
  checkSize(img.width, img.height);
  if (img.data.length !== img.width * img.height * 3) {
    throw new ImageError('BAD_BUFFER', `RGB image ${img.width}x${img.height} needs ${img.width * img.height * 3} bytes, got ${img.data.length}`);
  }
}
