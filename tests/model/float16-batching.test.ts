import { describe, expect, it } from 'vitest';
import { padRows, planBatches } from '../../src/model/batching.js';
import { float16ToFloat32, float32ToFloat16, fromHalf, toHalf } from '../../src/model/float16.js';

describe('float16', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to Inf
    [1e6, 0x7c00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [1 + 2 ** -11, 0x3c00], // tie rounds to even
    [1 + 3 * 2 ** -11, 0x3c02],
    [1e-9, 0x0000],
  ])('encodes %d as 0x%s', (value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });

  it('encodes NaN as a NaN and decodes it back', () => {
    expect(fromHalf(toHalf(NaN))).toBeNaN();
  });

  it('round-trips values within half precision', () => {
    const values = Float32Array.from([0.1, -0.075, 0.75, 3.14159, -1234.5, 1e-5]);
    const back = float16ToFloat32(float32ToFloat16(values));
    values.forEach((v, i) => expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -24));
  });
});

describe('fixed batch sizes', () => {
  it.each([
    [1, [1, 64, 800], [{ offset: 0, count: 1, size: 1 }]],
    [5, [1, 64, 800], [{ offset: 0, count: 5, size: 64 }]],
    [800, [800, 64, 1], [{ offset: 0, count: 800, size: 800 }]],
    [
      850,
      [1, 64, 800],
      [
        { offset: 0, count: 800, size: 800 },
        { offset: 800, count: 50, size: 64 },
      ],
    ],
    [
      1700,
      [800],
      [
        { offset: 0, count: 800, size: 800 },
        { offset: 800, count: 800, size: 800 },
        { offset: 1600, count: 100, size: 800 },
      ],
    ],
  ])('splits %d candidates over sizes %j', (batch, sizes, chunks) => {
    expect(planBatches(batch, sizes)).toEqual(chunks);
  });

  it.each([
    [5, [1, 64, 800], [{ offset: 0, count: 5, size: 5 }]],
    [256, [1, 64, 800], [{ offset: 0, count: 256, size: 256 }]],
    [
      301,
      [1, 64, 800],
      [
        { offset: 0, count: 151, size: 151 },
        { offset: 151, count: 150, size: 150 },
      ],
    ],
    [800, [1, 64, 800], [0, 200, 400, 600].map((offset) => ({ offset, count: 200, size: 200 }))],
    [
      130,
      [1, 64],
      [
        { offset: 0, count: 44, size: 44 },
        { offset: 44, count: 43, size: 43 },
        { offset: 87, count: 43, size: 43 },
      ],
    ],
  ])('runs %d candidates over sizes %j at their exact count in equal chunks of at most 256 and the largest size (dynamic batch)', (batch, sizes, chunks) => {
    expect(planBatches(batch, sizes, true)).toEqual(chunks);
  });

  it.each([
    [0, [1]],
    [5, []],
    [5, [0, 4]],
  ])('rejects batch %d with sizes %j', (batch, sizes) => {
    expect(() => planBatches(batch, sizes)).toThrow(RangeError);
  });

  it('pads with copies of the chunk’s first row', () => {
    const src = Float32Array.from([1, 1, 2, 2, 3, 3]);
    expect(Array.from(padRows(src, 2, { offset: 1, count: 2, size: 4 }))).toEqual([2, 2, 3, 3, 2, 2, 2, 2]);
  });
});
