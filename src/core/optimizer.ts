/**
 * The sampling loop shared by CEM and MPPI: sample candidate action sequences around a Gaussian
 * (mean, std), clamp them into the action space, score them all with ONE batched energy call,
 * keep the elites, update the Gaussian, repeat. The two optimisers differ only in the update rule.
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
}

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

/**
 * Runs the sample → clamp → score → elites → update loop.
 * @param energy batched energy function (one call per iteration)
 * @param config shared settings (validated by the caller)
 * @param update the optimiser's update rule
 * @param rng seeded random source
 * @param clock time source for modelMs
 * @param initMean optional warm-start mean [H, A]
 */
export async function runSamplingOptimizer(
  energy: EnergyFn,
  config: SamplingConfig,
  update: UpdateRule,
  rng: Rng,
  clock: Clock,
  initMean?: Float32Array,
): Promise<OptimizerResult> {
  const { samples: B, elites: K, horizon: H, space } = config;
  const A = actionDim(space);
  const n = H * A;
  const mask = searchMask(space);
  const halfWidth = space.lower.map((lo, d) => (mask[d] ? ((space.upper[d] as number) - lo) / 2 : 0));
  const stdInit = space.lower.map((lo, d) =>
    mask[d] ? (config.initStd?.[d] ?? Math.max(Math.abs(lo), Math.abs(space.upper[d] as number))) : 0,
  );
  const stdFloor = halfWidth.map((w) => w * config.minStdFraction);

  const mean = new Float32Array(n);
  if (initMean) {
    if (initMean.length !== n) throw new RangeError(`initMean has ${initMean.length} entries, expected H·A = ${n}`);
    mean.set(initMean);
  }
  clampActions(mean, space);
  const std = new Float32Array(n);
  for (let j = 0; j < n; j++) std[j] = stdInit[j % A] as number;

  const candidates = new Float32Array(B * n);
  const eliteActions = new Float32Array(K * n);
  const eliteEnergies = new Float32Array(K);
  const best = { energy: Infinity, plan: new Float32Array(n) };
  const result = { eliteEnergies: [] as number[], iterationBest: [] as number[], evaluations: 0, nonFinite: 0, modelMs: 0 };
  let status: OptimizerResult['status'] = 'ok';

  const score = async (actions: Float32Array, count: number): Promise<Float32Array> => {
    const t0 = clock();
    const e = await energy(actions, count);
    result.modelMs += clock() - t0;
    if (e.length !== count) throw new RangeError(`energy function returned ${e.length} energies for ${count} candidates`);
    result.evaluations += count;
    return e;
  };

  let iteration = 0;
  for (; iteration < config.iterations; iteration++) {
    // 1. Sample around the current Gaussian (candidate 0 = the mean itself when asked).
    for (let b = 0; b < B; b++) {
      const row = b * n;
      const isMean = config.includeMean && b === 0;
      for (let j = 0; j < n; j++) {
        candidates[row + j] = isMean ? (mean[j] as number) : (mean[j] as number) + (std[j] as number) * rng.normal();
      }
    }
    // 2. Clamp into the action space (pinned dimensions to 0).
    clampActions(candidates, space);
    // 3. Score the whole batch in one call.
    const energies = await score(candidates, B);
    // 4. Rank; keep the finite elites.
    const order = rankEnergies(energies);
    let k = 0;
    for (; k < K; k++) {
      const idx = order[k] as number;
      const e = energies[idx] as number;
      if (!Number.isFinite(e)) break;
      eliteEnergies[k] = e;
      eliteActions.set(candidates.subarray(idx * n, idx * n + n), k * n);
    }
    for (const e of energies) if (!Number.isFinite(e)) result.nonFinite++;
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
    // 5. Update the Gaussian, then floor the std of searched dimensions.
    update(mean, std, { actions: eliteActions.subarray(0, k * n), energies: eliteEnergies.subarray(0, k), count: k });
    for (let j = 0; j < n; j++) {
      const d = j % A;
      std[j] = mask[d] ? Math.max(std[j] as number, stdFloor[d] as number) : 0;
    }
    clampActions(mean, space);
  }

  if (status === 'non-finite' && !Number.isFinite(best.energy)) {
    return { ...result, plan: new Float32Array(n), energy: NaN, bestEnergy: NaN, iterations: iteration, status };
  }
  // 6. Score the final mean once, then return the mean (paper) or the best candidate seen.
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
  };
}
