/**
 * How alike two scorings of the same candidates are, for comparing a quantised world model's
 * energies with the fp32 model's: what the planner uses is the order of the candidates (CEM's
 * elites, MPPI's weights), not the energies' values.
 */

/** Ranks 0..n-1 of `values` ascending, ties given their mean rank (fractional ranking). */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1] as number] === values[order[i] as number]) j++;
    const mean = (i + j) / 2;
    for (let k = i; k <= j; k++) out[order[k] as number] = mean;
    i = j + 1;
  }
  return out;
}

/**
 * Spearman's rank correlation of two equally long series (the Pearson correlation of their ranks):
 * 1 = the same order. NaN when either series is constant or shorter than 2, or their lengths differ.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length || n < 2) return NaN;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (n - 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (ra[i] as number) - mean;
    const db = (rb[i] as number) - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Indices of the `k` lowest values (the best candidates: low energy), lowest first; ties by index. */
export function lowestK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((x, y) => (values[x] as number) - (values[y] as number) || x - y)
    .slice(0, Math.max(0, k));
}

/**
 * The share of `a`'s k lowest-energy candidates that are also among `b`'s k lowest (|top-k(a) ∩
 * top-k(b)| / k; k is capped at the series' length). NaN when k < 1 or the lengths differ.
 */
export function topKAgreement(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  if (a.length !== b.length || k < 1 || a.length === 0) return NaN;
  const kk = Math.min(k, a.length);
  const inB = new Set(lowestK(b, kk));
  return lowestK(a, kk).filter((i) => inB.has(i)).length / kk;
}
