/**
 * The sampling loop shared by CEM, iCEM and MPPI: sample candidate action sequences around a
 * Gaussian (mean, std), clamp them into the action space, score them all with ONE batched energy
 * call, keep the elites, update the Gaussian, repeat. CEM and MPPI differ only in the update
 * rule; iCEM is CEM with coloured noise, elites carried across iterations and plans, and a
 * shrinking population (Pinneri et al. 2020) — options of this one loop.
 *
 * NaN/Inf energies rank last and are never elites; if a whole batch is non-finite the loop stops
 * and reports it (the caller holds the arm).
 */
import { type ActionSpace, actionDim, clampActions, searchMask, validateActionSpace } from './action-space.js';
import type { Rng } from './rng.js';
import type { Clock, EnergyFn } from './types.js';

/** Settings every sampling optimiser shares. */
export interface SamplingConfig {
  /** Candidates per iteration B. */
  readonly samples: number;
  /** Iterations per plan. */
  readonly iterations: number;
  /** Elites kept per iteration K (≤ samples). */
  readonly elites: number;
  /** Actions per candidate sequence H. */
  readonly horizon: number;
  /** Bounds, pinned dimensions and gripper rule. */
  readonly space: ActionSpace;
  /** Initial std per action dimension [A]; null = each dimension's half-width (the paper starts at the bound). */
  readonly initStd: readonly number[] | null;
  /** Std floor as a fraction of each searched dimension's half-width. */
  readonly minStdFraction: number;
  /** Whether candidate 0 of every iteration is the current mean (so the mean is always scored). */
  readonly includeMean: boolean;
  /** Which sequence to return: the final mean (paper) or the best candidate scored. */
  readonly select: 'mean' | 'best';
  /** Exponent β of the sampling noise's 1/f^β spectrum along the horizon (0 or unset = white; iCEM). */
  readonly noiseBeta?: number;
  /** Fraction of the elites carried into the next iteration's and the next plan's candidates (0 or unset = none; iCEM). */
  readonly keepElites?: number;
  /** The population shrinks by this factor per iteration, never below 2·elites (1 or unset = constant; iCEM's γ). */
  readonly populationDecay?: number;
}

/** The elites of one iteration, handed to an update rule. */
export interface EliteSet {
  /** Elite sequences [k, H·A], best first. */
  readonly actions: Float32Array;
  /** Their energies [k], ascending. */
  readonly energies: Float32Array;
  readonly count: number;
}

/** Updates (mean, std) [H·A] in place from the elites; std is floored by the caller. */
export type UpdateRule = (mean: Float32Array, std: Float32Array, elites: EliteSet) => void;

/** What an optimiser returns. */
export interface OptimizerResult {
  /** Planned sequence [H, A] (all zeros when status is 'non-finite'). */
  readonly plan: Float32Array;
  /** Energy of the returned plan (NaN when it could not be scored). */
  readonly energy: number;
  /** Lowest finite energy among all candidates scored. */
  readonly bestEnergy: number;
  /** Mean elite energy per iteration. */
  readonly eliteEnergies: number[];
  /** Best energy per iteration. */
  readonly iterationBest: number[];
  /** Iterations run. */
  readonly iterations: number;
  /** Candidates scored in total (incl. the final check of the mean). */
  readonly evaluations: number;
  /** Candidates whose energy was NaN/Inf. */
  readonly nonFinite: number;
  /** 'ok', or 'non-finite' when no candidate of an iteration had a finite energy. */
  readonly status: 'ok' | 'non-finite';
  /** The last iteration's elites [k, H, A], best first (for the next plan's warm start). */
  readonly elites: Float32Array;
  /** Milliseconds spent inside the energy function. */
  readonly modelMs: number;
}

/** Checks a sampling configuration. @throws RangeError naming the bad field. */
export function validateSamplingConfig(c: SamplingConfig): void {
  validateActionSpace(c.space);
  const intField = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  intField('samples', c.samples, 1);
  intField('iterations', c.iterations, 1);
  intField('elites', c.elites, 1);
  intField('horizon', c.horizon, 1);
  if (c.elites > c.samples) throw new RangeError(`elites (${c.elites}) must not exceed samples (${c.samples})`);
  if (c.initStd !== null) {
    if (c.initStd.length !== actionDim(c.space)) {
      throw new RangeError(`initStd has ${c.initStd.length} entries, the action space ${actionDim(c.space)}`);
    }
    c.initStd.forEach((s, i) => {
      if (!(s >= 0) || !Number.isFinite(s)) throw new RangeError(`initStd[${i}] must be finite and >= 0, got ${s}`);
    });
  }
  if (!(c.minStdFraction >= 0 && c.minStdFraction <= 1)) {
    throw new RangeError(`minStdFraction must be in [0, 1], got ${c.minStdFraction}`);
  }
  const beta = c.noiseBeta ?? 0;
  if (!(beta >= 0 && beta <= MAX_NOISE_BETA)) throw new RangeError(`noiseBeta must be in [0, ${MAX_NOISE_BETA}], got ${beta}`);
  const keep = c.keepElites ?? 0;
  if (!(keep >= 0 && keep <= 1)) throw new RangeError(`keepElites must be in [0, 1], got ${keep}`);
  const decay = c.populationDecay ?? 1;
  if (!(decay >= 1 && Number.isFinite(decay))) throw new RangeError(`populationDecay must be >= 1, got ${decay}`);
}

/** Largest coloured-noise exponent (β = 2 is Brownian; beyond 4 the samples are nearly constant). */
const MAX_NOISE_BETA = 4;

/** Indices of `energies` sorted ascending, non-finite last. */
export function rankEnergies(energies: Float32Array): Uint32Array {
  const order = new Uint32Array(energies.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const key = (i: number) => {
    const e = energies[i] as number;
    return Number.isFinite(e) ? e : Infinity;
  };
  return order.sort((a, b) => key(a) - key(b) || a - b);
}

/** A previous plan's search, handed to the next plan (warm start). */
export interface WarmStart {
  /** Initial mean [H, A] (the previous plan shifted by one step). */
  readonly mean?: Float32Array;
  /** Previous elites [k, H, A], shifted likewise: they enter the first iteration's candidates (iCEM). */
  readonly elites?: Float32Array;
}

/** Candidates scored in iteration `i` (0-based): B·decay^−i, never below 2·K, never above B. */
export function populationAt(config: Pick<SamplingConfig, 'samples' | 'elites' | 'populationDecay'>, i: number): number {
  const decay = config.populationDecay ?? 1;
  return Math.min(config.samples, Math.max(2 * config.elites, Math.round(config.samples / decay ** i)));
}

/** Candidates one plan scores: every iteration's population plus the final check of the mean. */
export function evaluationsPerPlan(config: Pick<SamplingConfig, 'samples' | 'elites' | 'iterations' | 'populationDecay'>): number {
  let n = 1;
  for (let i = 0; i < config.iterations; i++) n += populationAt(config, i);
  return n;
}

/**
 * Runs the sampling loop as named steps — sample, score, select, update — then finalise.
 * @param energy batched energy function (one call per iteration)
 * @param config shared settings (validated by the caller)
 * @param update the optimiser's update rule
 * @param rng seeded random source
 * @param clock time source for modelMs
 * @param warm optional warm start: initial mean [H, A] and previous elites
 */
export async function runSamplingOptimizer(
  energy: EnergyFn,
  config: SamplingConfig,
  update: UpdateRule,
  rng: Rng,
  clock: Clock,
  warm: WarmStart = {},
): Promise<OptimizerResult> {
  const { elites: K, horizon: H, space } = config;
  const A = actionDim(space);
  const n = H * A;
  const mask = searchMask(space);
  const halfWidth = space.lower.map((lo, d) => (mask[d] ? ((space.upper[d] as number) - lo) / 2 : 0));
  const stdInit = space.lower.map((lo, d) => (mask[d] ? (config.initStd?.[d] ?? Math.max(Math.abs(lo), Math.abs(space.upper[d] as number))) : 0));
  const stdFloor = halfWidth.map((w) => w * config.minStdFraction);
  const noise = colouredNoise(H, config.noiseBeta ?? 0);
  const keep = Math.round(K * (config.keepElites ?? 0));

  const mean = new Float32Array(n);
  if (warm.mean) {
    if (warm.mean.length !== n) throw new RangeError(`initMean has ${warm.mean.length} entries, expected H·A = ${n}`);
    mean.set(warm.mean);
  }
  clampActions(mean, space);
  const std = new Float32Array(n);
  for (let j = 0; j < n; j++) std[j] = stdInit[j % A] as number;

  const candidates = new Float32Array(config.samples * n);
  const eliteActions = new Float32Array(K * n);
  const eliteEnergies = new Float32Array(K);
  // Sequences carried into the next iteration (iCEM): the previous plan's elites, then this plan's.
  let carried = warm.elites && keep > 0 && warm.elites.length % n === 0 ? warm.elites.slice(0, keep * n) : new Float32Array(0);
  const best = { energy: Infinity, plan: new Float32Array(n) };
  const result = { eliteEnergies: [] as number[], iterationBest: [] as number[], evaluations: 0, nonFinite: 0, modelMs: 0 };
  let status: OptimizerResult['status'] = 'ok';
  let k = 0;

  const score = async (actions: Float32Array, count: number): Promise<Float32Array> => {
    const t0 = clock();
    const e = await energy(actions, count);
    result.modelMs += clock() - t0;
    if (e.length !== count) throw new RangeError(`energy function returned ${e.length} energies for ${count} candidates`);
    result.evaluations += count;
    return e;
  };

  /** Sample: the mean (when asked), the carried sequences, then Gaussian draws; clamped into the space. */
  const sample = (B: number): Float32Array => {
    const batch = candidates.subarray(0, B * n);
    let b = 0;
    if (config.includeMean) batch.set(mean, n * b++);
    const fromCarry = Math.min(carried.length / n, B - b);
    batch.set(carried.subarray(0, fromCarry * n), n * b);
    b += fromCarry;
    for (; b < B; b++) noise(rng, batch.subarray(b * n, b * n + n), mean, std, A);
    clampActions(batch, space);
    return batch;
  };

  /** Select: the finite elites, best first; returns how many. */
  const select = (batch: Float32Array, energies: Float32Array): number => {
    const order = rankEnergies(energies);
    let count = 0;
    for (; count < K; count++) {
      const idx = order[count] as number;
      const e = energies[idx] as number;
      if (!Number.isFinite(e)) break;
      eliteEnergies[count] = e;
      eliteActions.set(batch.subarray(idx * n, idx * n + n), count * n);
    }
    for (const e of energies) if (!Number.isFinite(e)) result.nonFinite++;
    return count;
  };

  let iteration = 0;
  for (; iteration < config.iterations; iteration++) {
    const batch = sample(populationAt(config, iteration));
    const energies = await score(batch, batch.length / n);
    k = select(batch, energies);
    if (k === 0) {
      status = 'non-finite';
      break;
    }
    if ((eliteEnergies[0] as number) < best.energy) {
      best.energy = eliteEnergies[0] as number;
      best.plan.set(eliteActions.subarray(0, n));
    }
    let eliteSum = 0;
    for (let i = 0; i < k; i++) eliteSum += eliteEnergies[i] as number;
    result.eliteEnergies.push(eliteSum / k);
    result.iterationBest.push(eliteEnergies[0] as number);
    carried = eliteActions.slice(0, Math.min(keep, k) * n);
    // Update the Gaussian, then floor the std of searched dimensions.
    update(mean, std, { actions: eliteActions.subarray(0, k * n), energies: eliteEnergies.subarray(0, k), count: k });
    for (let j = 0; j < n; j++) {
      const d = j % A;
      std[j] = mask[d] ? Math.max(std[j] as number, stdFloor[d] as number) : 0;
    }
    clampActions(mean, space);
  }

  if (status === 'non-finite' && !Number.isFinite(best.energy)) {
    return { ...result, plan: new Float32Array(n), energy: NaN, bestEnergy: NaN, iterations: iteration, status, elites: new Float32Array(0) };
  }
  // Finalise: score the final mean once, then return the mean (paper) or the best candidate seen.
  const meanEnergy = (await score(mean.slice(), 1))[0] as number;
  const useBest = config.select === 'best' && best.energy < (Number.isFinite(meanEnergy) ? meanEnergy : Infinity);
  const useMean = !useBest && Number.isFinite(meanEnergy);
  const plan = useMean ? mean.slice() : best.plan.slice();
  const planEnergy = useMean ? meanEnergy : best.energy;
  return {
    ...result,
    plan,
    energy: planEnergy,
    bestEnergy: Math.min(best.energy, Number.isFinite(meanEnergy) ? meanEnergy : Infinity),
    iterations: iteration,
    status,
    elites: eliteActions.slice(0, k * n),
  };
}

/** Fills one candidate [H, A] with mean + std · noise. */
type NoiseFn = (rng: Rng, out: Float32Array, mean: Float32Array, std: Float32Array, A: number) => void;

/**
 * Sampling noise along the horizon with power spectrum 1/f^β (iCEM's coloured noise; β = 0 is
 * white, larger β smoother sequences), unit variance at every step: per action dimension,
 * x_t = Σ_k s_k (a_k cos 2πkt/H + b_k sin 2πkt/H) / √(Σ s_k²), a, b ~ N(0, 1), s_k = f_k^(−β/2)
 * with f_0 taking f_1's scale (as the colorednoise package does). H ≤ 64, so the direct sum is cheap.
 */
export function colouredNoise(H: number, beta: number): NoiseFn {
  if (beta === 0 || H === 1) {
    return (rng, out, mean, std) => {
      for (let j = 0; j < out.length; j++) out[j] = (mean[j] as number) + (std[j] as number) * rng.normal();
    };
  }
  const kMax = Math.floor(H / 2);
  const scale = Array.from({ length: kMax + 1 }, (_, k) => Math.max(k, 1) ** (-beta / 2));
  // The sine terms vanish at k = 0 and at the Nyquist frequency (k = H/2, H even).
  const hasSine = scale.map((_, k) => k !== 0 && !(H % 2 === 0 && k === kMax));
  const norm = Math.sqrt(scale.reduce((a, s) => a + s * s, 0));
  const series = new Float64Array(H);
  return (rng, out, mean, std, A) => {
    for (let d = 0; d < A; d++) {
      series.fill(0);
      for (let k = 0; k <= kMax; k++) {
        const a = rng.normal() * (scale[k] as number);
        const b = hasSine[k] ? rng.normal() * (scale[k] as number) : 0;
        for (let t = 0; t < H; t++) {
          const w = (2 * Math.PI * k * t) / H;
          series[t] = (series[t] as number) + a * Math.cos(w) + b * Math.sin(w);
        }
      }
      for (let t = 0; t < H; t++) {
        const j = t * A + d;
        out[j] = (mean[j] as number) + (std[j] as number) * ((series[t] as number) / norm);
      }
    }
  };
}
