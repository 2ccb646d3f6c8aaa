/**
 * Camera views side by side (src/model/views.ts) and the manifest's `encoder.input.views`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelViews, parseManifest } from '../../src/model/manifest.js';
import { splitViews, tileViews } from '../../src/model/views.js';
import { modelDir } from '../../src/paths.js';

const solid = (w: number, h: number, v: number) => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(v) });

describe('tileViews / splitViews', () => {
  it('puts the views side by side row by row, and splits them back', () => {
    const a = { width: 2, height: 2, data: Uint8Array.from({ length: 12 }, (_, i) => i) };
    const b = { width: 2, height: 2, data: Uint8Array.from({ length: 12 }, (_, i) => 100 + i) };
    const t = tileViews([a, b], 2, 2, 2);
    expect(t.width).toBe(4);
    expect(Array.from(t.data.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105]);
    const [a2, b2] = splitViews(t, 2);
    expect(Array.from(a2?.data ?? [])).toEqual(Array.from(a.data));
    expect(Array.from(b2?.data ?? [])).toEqual(Array.from(b.data));
  });

  it('fits each view of another size to the view size; a single right-sized view comes back as it is', () => {
    const one = solid(64, 64, 9);
    expect(tileViews([one], 1, 64, 64)).toBe(one);
    const t = tileViews([solid(640, 480, 50), solid(32, 32, 200)], 2, 64, 64);
    expect([t.width, t.height]).toEqual([128, 64]);
    expect(t.data[0]).toBe(50);
    expect(t.data[(64 * 128 - 1) * 3]).toBe(200);
  });

  it('refuses a wrong number of images and a width that does not split', () => {
    expect(() => tileViews([solid(8, 8, 0)], 2, 8, 8)).toThrow(/takes 2 view\(s\), got 1/);
    expect(() => splitViews(solid(9, 8, 0), 2)).toThrow(/does not split into 2 views/);
  });
});

describe('manifest encoder.input.views', () => {
  const raw = async (name: string) =>
    JSON.parse(await readFile(join(modelDir(name), 'manifest.json'), 'utf8')) as { encoder: { input: Record<string, unknown> } };

  it('defaults to the front camera; a two-view model lists front, wrist over a twice-as-wide image', async () => {
    expect(modelViews(parseManifest(await raw('test-tiny')))).toEqual({ views: ['front'], width: 64, height: 64 });
    expect(modelViews(parseManifest(await raw('test-tiny-wrist')))).toEqual({ views: ['front', 'wrist'], width: 64, height: 64 });
  });

  it.each([
    [{ views: ['front', 'side'] }, /encoder\.input\.views/],
    [{ views: ['front', 'front'] }, /distinct/],
    [{ width: 127 }, /does not split into 2 views/],
  ])('refuses %j', async (patch, message) => {
    const m = await raw('test-tiny-wrist');
    expect(() => parseManifest({ ...m, encoder: { ...m.encoder, input: { ...m.encoder.input, ...patch } } })).toThrow(message);
  });
});
