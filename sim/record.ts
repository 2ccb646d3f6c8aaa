/**
 * Saving episodes for people to look at: an animated GIF (one shared 256-colour palette) or a
 * PNG strip of frames side by side.
 */
import { writeFile } from 'node:fs/promises';
import { encode as encodePng } from 'fast-png';
import gifenc from 'gifenc';

/** Frames of one size: RGB8 arrays [height*width*3]. */
export interface FrameSet {
  frames: readonly Uint8Array[];
  width: number;
  height: number;
}

/** Frames sampled to build the shared palette. */
const PALETTE_SAMPLES = 8;
const GIF_COLOURS = 256;

function checkFrames({ frames, width, height }: FrameSet): void {
  if (frames.length === 0) throw new RangeError('no frames to save');
  for (const f of frames) {
    if (f.length !== width * height * 3) throw new RangeError(`frame has ${f.length} bytes, expected ${width * height * 3} (${width}x${height} RGB8)`);
  }
}

function toRgba(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i] as number;
    out[j + 1] = rgb[i + 1] as number;
    out[j + 2] = rgb[i + 2] as number;
    out[j + 3] = 255;
  }
  return out;
}

/**
 * Encodes frames as a looping animated GIF.
 * @param delayMs time per frame (ms).
 */
export function encodeGif(set: FrameSet, delayMs = 250): Uint8Array {
  checkFrames(set);
  const rgba = set.frames.map(toRgba);
  const step = Math.max(1, Math.floor(rgba.length / PALETTE_SAMPLES));
  const samples = rgba.filter((_, i) => i % step === 0);
  const joined = new Uint8Array(samples.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const f of samples) {
    joined.set(f, offset);
    offset += f.length;
  }
  const palette = gifenc.quantize(joined, GIF_COLOURS);
  const encoder = gifenc.GIFEncoder();
  rgba.forEach((frame, i) => {
    const index = gifenc.applyPalette(frame, palette);
    encoder.writeFrame(index, set.width, set.height, i === 0 ? { palette, delay: delayMs, repeat: 0 } : { delay: delayMs });
  });
  encoder.finish();
  return encoder.bytes();
}

/** Lays frames side by side (left to right) into one RGB8 image and encodes it as PNG. */
export function encodePngStrip(set: FrameSet): Uint8Array {
  checkFrames(set);
  const { frames, width, height } = set;
  const stripWidth = width * frames.length;
  const data = new Uint8Array(stripWidth * height * 3);
  frames.forEach((f, k) => {
    for (let y = 0; y < height; y++) data.set(f.subarray(y * width * 3, (y + 1) * width * 3), (y * stripWidth + k * width) * 3);
  });
  return encodePng({ width: stripWidth, height, data, channels: 3, depth: 8 });
}

/**
 * Writes frames to `path`: an animated GIF for `.gif`, a PNG strip for `.png`.
 * @throws RangeError for other extensions or inconsistent frames.
 */
export async function saveRecording(path: string, set: FrameSet, delayMs = 250): Promise<void> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.gif')) await writeFile(path, encodeGif(set, delayMs));
  else if (lower.endsWith('.png')) await writeFile(path, encodePngStrip(set));
  else throw new RangeError(`recording must end in .gif or .png, got '${path}'`);
}
