import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';

describe('createRng', () => {
  it('repeats the same sequence for the same seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 8 }, () => a.uniform());
    const sb = Array.from({ length: 8 }, () => b.uniform());
    const sc = Array.from({ length: 8 }, () => c.uniform());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const rng = createRng(7);
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
  });

  it('keeps uniforms in [0, 1) and ints in [0, n)', () => {
    const rng = createRng(1);
    for (let i = 0; i < 10_000; i++) {
      const u = rng.uniform();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      const k = rng.int(5);
      expect(Number.isInteger(k) && k >= 0 && k < 5).toBe(true);
    }
  });

  it.each([NaN, 1.5, Infinity])('rejects the seed %s', (seed) => {
    expect(() => createRng(seed)).toThrow(/seed must be a safe integer/);
  });
});
