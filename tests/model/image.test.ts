import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/model/errors.js';
import { decodePng, rawToRgb } from '../../src/model/image.js';
import { centerCropRect, preprocess } from '../../src/model/preprocess.js';

/** Pixels of a 2x2 test image: red, green / blue, white. */
const PIXELS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];
const EXPECTED_RGB = PIXELS.flat();

/** Packs PIXELS as a 2x2 frame in an encoding with `pad` bytes of row padding. */
function frame(encoding: string, pad: number): { width: number; height: number; encoding: string; step: number; data: Uint8Array } {
  const order: Record<string, (p: number[]) => number[]> = {
    rgb8: (p) => p,
    bgr8: ([r, g, b]) => [b!, g!, r!],
    rgba8: (p) => [...p, 77],
    bgra8: ([r, g, b]) => [b!, g!, r!, 77],
  };
  const px = (order[encoding] as (p: number[]) => number[])(PIXELS[0]!).length;
  const step = 2 * px + pad;
  const data = new Uint8Array(step * 2).fill(99);
  PIXELS.forEach((p, i) => data.set((order[encoding] as (p: number[]) => number[])(p), Math.floor(i / 2) * step + (i % 2) * px));
  return { width: 2, height: 2, encoding, step, data };
}

describe('rawToRgb', () => {
  it.each(
    ['rgb8', 'bgr8', 'rgba8', 'bgra8'].flatMap(
      (e) =>
        [
          [e, 0],
          [e, 3],
        ] as [string, number][],
    ),
  )('decodes %s with %d bytes of row padding', (encoding, pad) => {
    expect(Array.from(rawToRgb(frame(encoding, pad)).data)).toEqual(EXPECTED_RGB);
  });

  it('returns packed rgb8 as a view of its own buffer (no copy), padded rgb8 as a copy', () => {
    const packed = frame('rgb8', 0);
    const view = rawToRgb({ ...packed, data: Uint8Array.from([...packed.data, 99, 99]) }); // trailing bytes past the image are left out
    expect(Array.from(view.data)).toEqual(EXPECTED_RGB);
    const same = rawToRgb(packed);
    expect(same.data.buffer).toBe(packed.data.buffer);
    expect(rawToRgb(frame('rgb8', 3)).data.buffer).not.toBe(frame('rgb8', 3).data.buffer);
  });

  it('replicates mono8 into three channels', () => {
    const img = rawToRgb({ width: 2, height: 1, encoding: 'mono8', step: 4, data: Uint8Array.from([10, 200, 0, 0]) });
    expect(Array.from(img.data)).toEqual([10, 10, 10, 200, 200, 200]);
  });

  it.each([
    [{ encoding: 'yuv422' }, 'UNKNOWN_ENCODING', /unsupported image encoding 'yuv422'/],
    [{ encoding: '16UC1' }, 'UNKNOWN_ENCODING', /'16UC1'/],
    [{ data: new Uint8Array(5) }, 'BAD_BUFFER', /needs 12 bytes, got 5/],
    [{ step: 5 }, 'BAD_BUFFER', /row step 5 is smaller than width 2 x 3 bytes = 6/],
    [{ width: 0 }, 'BAD_SIZE', /width must be an integer/],
    [{ height: 1.5 }, 'BAD_SIZE', /height must be an integer/],
  ])('rejects %j with %s', (patch, code, message) => {
    const bad = { ...frame('rgb8', 0), ...patch };
    try {
      rawToRgb(bad);
      expect.unreachable('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ImageError);
      expect((e as ImageError).code).toBe(code);
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe('decodePng', () => {
  it.each([
    ['RGBA', 4, PIXELS.flatMap((p) => [...p, 128])],
    ['RGB', 3, EXPECTED_RGB],
  ])('decodes %s PNGs to RGB', (_name, channels, data) => {
    const bytes = encode({ width: 2, height: 2, data: Uint8Array.from(data), channels, depth: 8 });
    expect(Array.from(decodePng(bytes).data)).toEqual(EXPECTED_RGB);
  });

  it('decodes 16-bit grey PNGs', () => {
    const bytes = encode({ width: 2, height: 1, data: Uint16Array.from([0x1234, 0xff00]), channels: 1, depth: 16 });
    expect(Array.from(decodePng(bytes).data)).toEqual([0x12, 0x12, 0x12, 0xff, 0xff, 0xff]);
  });

  it.each([
    ['garbage', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ['a truncated file', encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(7), channels: 3, depth: 8 }).slice(0, 40)],
  ])('rejects %s with DECODE_FAILED', (_name, bytes) => {
    expect(() => decodePng(bytes)).toThrow(ImageError);
    try {
      decodePng(bytes);
    } catch (e) {
      expect((e as ImageError).code).toBe('DECODE_FAILED');
    }
  });
});

describe('preprocess', () => {
  const spec = { height: 4, width: 4, resize: 'center-crop' as const, scale: 255, mean: [0.5, 0.5, 0.5] as const, std: [0.5, 0.25, 0.5] as const };

  it.each([
    [640, 480, 256, 256, { x: 80, y: 0, width: 480, height: 480 }],
    [480, 640, 256, 256, { x: 0, y: 80, width: 480, height: 480 }],
    [256, 256, 256, 256, { x: 0, y: 0, width: 256, height: 256 }],
    [640, 480, 320, 160, { x: 0, y: 80, width: 640, height: 320 }],
  ])('centre-crops %dx%d for a %dx%d model to %j', (w, h, tw, th, rect) => {
    expect(centerCropRect(w, h, tw, th)).toEqual(rect);
  });

  it('normalises a uniform image per channel into CHW', () => {
    const img = { width: 8, height: 6, data: new Uint8Array(8 * 6 * 3) };
    for (let i = 0; i < 48; i++) img.data.set([255, 0, 51], i * 3);
    const x = preprocess(img, spec);
    expect(x.length).toBe(3 * 16);
    for (let i = 0; i < 16; i++) {
      expect(x[i]).toBeCloseTo((1 - 0.5) / 0.5, 5);
      expect(x[16 + i]).toBeCloseTo((0 - 0.5) / 0.25, 5);
      expect(x[32 + i]).toBeCloseTo((0.2 - 0.5) / 0.5, 5);
    }
  });

  it('crops 640x480 instead of squashing: red side bands vanish, squash keeps them', () => {
    const img = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };
    for (let y = 0; y < 480; y++) {
      for (let x = 0; x < 640; x++) img.data.set(x < 80 || x >= 560 ? [255, 0, 0] : [0, 0, 255], (y * 640 + x) * 3);
    }
    const plain = { ...spec, mean: [0, 0, 0] as const, std: [1, 1, 1] as const };
    const cropped = preprocess(img, plain);
    expect(Math.max(...cropped.subarray(0, 16))).toBeLessThan(1e-6);
    const squashed = preprocess(img, { ...plain, resize: 'squash' });
    expect(squashed[0]).toBeGreaterThan(0.2);
  });

  it('averages when shrinking (antialiasing): a 1-pixel checkerboard becomes mid grey', () => {
    const img = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) };
    for (let i = 0; i < 64 * 64; i++) img.data.fill(((i % 64) + Math.floor(i / 64)) % 2 ? 255 : 0, i * 3, i * 3 + 3);
    const x = preprocess(img, { ...spec, mean: [0, 0, 0], std: [1, 1, 1] });
    for (const v of x) expect(Math.abs(v - 0.5)).toBeLessThan(0.05);
  });

  it('rejects a buffer that does not match the size', () => {
    expect(() => preprocess({ width: 4, height: 4, data: new Uint8Array(10) }, spec)).toThrow(/needs 48 bytes, got 10/);
  });
});
