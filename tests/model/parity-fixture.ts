/**
 * The parity fixture every exporter writes next to its model (models/<name>/parity.json): fixed
 * inputs and the PyTorch outputs the TypeScript path must reproduce. Shared by the parity tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** An RGB8 image, base64. */
export interface ParityImage {
  height: number;
  width: number;
  encoding?: 'rgb8';
  base64: string;
}

/** models/<name>/parity.json (format jepa-mpc/parity@1). */
export interface Parity {
  format: string;
  tolerance: number;
  image: ParityImage;
  goalImage: ParityImage;
  latents: number[];
  goalLatents: number[];
  state: number[];
  batch: number;
  rollouts: { horizon: number; actions: number[]; energy: number[]; predicted?: number[] }[];
}

/** Reads a model folder's parity fixture. */
export function readParity(dir: string): Parity {
  return JSON.parse(readFileSync(join(dir, 'parity.json'), 'utf8')) as Parity;
}

/** The fixture image as the RgbImage the model takes. */
export function image(p: ParityImage) {
  return { width: p.width, height: p.height, data: new Uint8Array(Buffer.from(p.base64, 'base64')) };
}

/** Largest absolute difference of two equally long series (asserts the lengths). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/**
 * The fixture's tolerance for a quantised variant of a model (manifest-<precision>.json checked
 * against the fp32 parity.json): models/jepa_ac/quantize.py PARITY_TOLERANCE.
 */
export const QUANTIZED_TOLERANCE = { int8: 5e-2, 'fp16-weights': 5e-3 } as const;
