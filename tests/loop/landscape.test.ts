import { describe, expect, it } from 'vitest';
import { latentDistance } from '../../src/core/latent-distance.js';
import { spearman } from '../../src/loop/landscape.js';

describe('landscape statistics', () => {
  it.each([
    [[1, 2, 3, 4], [10, 20, 30, 40], 1],
    [[1, 2, 3, 4], [4, 3, 2, 1], -1],
    [[1, 2, 3, 4], [1, 4, 9, 16], 1],
    [[1, 1, 2, 2], [1, 1, 2, 2], 1],
  ])('spearman(%j, %j) = %d', (a, b, r) => {
    expect(spearman(a, b)).toBeCloseTo(r, 10);
  });

  it('is NaN for constant or too short series', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1], [1])).toBeNaN();
  });

  it('measures the mean absolute latent difference', () => {
    const a = { data: Float32Array.from([0, 1, 2, 3]), tokens: 2, dim: 2 };
    const b = { data: Float32Array.from([1, 1, 0, 3]), tokens: 2, dim: 2 };
    expect(latentDistance(a, b)).toBeCloseTo(0.75, 6);
    expect(() => latentDistance(a, { data: new Float32Array(2), tokens: 1, dim: 2 })).toThrow(/differ in size/);
  });
});
