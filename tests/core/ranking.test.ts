import { describe, expect, it } from 'vitest';
import { lowestK, ranks, spearman, topKAgreement } from '../../src/core/ranking.js';

describe('ranks', () => {
  it.each([
    [
      [3, 1, 2],
      [2, 0, 1],
    ],
    [
      [5, 5, 1],
      [1.5, 1.5, 0],
    ],
    [[], []],
    [[7], [0]],
  ])('%j -> %j', (values, expected) => {
    expect(Array.from(ranks(values))).toEqual(expected);
  });
});

describe('spearman', () => {
  it.each([
    ['same order', [1, 2, 3, 4], [10, 20, 30, 40], 1],
    ['reversed', [1, 2, 3, 4], [4, 3, 2, 1], -1],
    ['monotone, not linear', [1, 2, 3, 4], [1, 8, 27, 1000], 1],
    ['one swap of four', [1, 2, 3, 4], [1, 3, 2, 4], 0.8],
  ])('%s', (_, a, b, expected) => {
    expect(spearman(a, b)).toBeCloseTo(expected, 12);
  });

  it.each([
    ['a constant series', [1, 1, 1], [1, 2, 3]],
    ['lengths differ', [1, 2], [1, 2, 3]],
    ['one value', [1], [2]],
    ['empty series', [], []],
  ])('is NaN for %s', (_, a, b) => {
    expect(spearman(a, b)).toBeNaN();
  });
});

describe('lowestK and topKAgreement', () => {
  it('picks the lowest energies, lowest first', () => {
    expect(lowestK([0.5, 0.1, 0.3, 0.1], 3)).toEqual([1, 3, 2]);
  });

  it.each([
    ['identical', [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 2, 1],
    ['one of two shared', [1, 2, 3, 4, 5], [1, 5, 2, 4, 3], 2, 0.5],
    ['disjoint', [1, 2, 3, 4], [4, 3, 2, 1], 2, 0],
    ['k above the length is capped', [1, 2], [2, 1], 10, 1],
  ])('%s', (_, a, b, k, expected) => {
    expect(topKAgreement(a, b, k)).toBe(expected);
  });

  it.each([
    ['k = 0', [1, 2], [1, 2], 0],
    ['lengths differ', [1, 2], [1], 1],
  ])('is NaN when %s', (_, a, b, k) => {
    expect(topKAgreement(a, b, k)).toBeNaN();
  });
});
