/**
 * MPPI in the TD-MPC2 style: sample, keep the top-K elites, weight them by
 * exp(−(E − E_min) / (τ · σ_E)) and set mean/std to the weighted mean/std, std clamped to
 * [floor, maxStdFraction · half-width]. Dividing by the elites' energy spread σ_E makes the
 * temperature τ independent of the model's energy scale. Defaults follow TD-MPC2: 512 samples,
 * 6 iterations, 64 elites, τ 0.5, std floor 5 % of the half-width.
 */
import { PAPER_ACTION_SPACE, actionDim, searchMask } from './action-space.js';
import { type OptimizerResult, type SamplingConfig, type UpdateRule, type WarmStart, runSamplingOptimizer, validateSamplingConfig } from './optimizer.js';
import type { Rng } from './rng.js';
import type { Clock, EnergyFn } from './types.js';

/** MPPI settings. */
export interface MppiConfig extends SamplingConfig {
  /** Temperature τ relative to the elites' energy spread (smaller = greedier). */
  readonly temperature: number;
  /** Std ceiling as a multiple of each dimension's half-width. */
  readonly maxStdFraction: number;
}

/** TD-MPC2-like MPPI settings on the paper's action space. */
export const MPPI_DEFAULTS: MppiConfig = Object.freeze({
  samples: 512,
  iterations: 6,
  elites: 64,
  horizon: 1,
  space: PAPER_ACTION_SPACE,
  initStd: null,
  minStdFraction: 0.05,
  includeMean: true,
  select: 'mean',
  temperature: 0.5,
  maxStdFraction: 2,
});

const SPREAD_EPS = 1e-12;

/** The MPPI update rule (weighted elite mean/std with a std ceiling). */
export function mppiUpdate(config: MppiConfig): UpdateRule {
  const A = actionDim(config.space);
  const mask = searchMask(config.space);
  const ceiling = config.space.lower.map((lo, d) => (mask[d] ? (((config.space.upper[d] as number) - lo) / 2) * config.maxStdFraction : 0));
  return (mean, std, elites) => {
    const n = mean.length;
    const k = elites.count;
    const e0 = elites.energies[0] as number;
    let avg = 0;
    for (let i = 0; i < k; i++) avg += elites.energies[i] as number;
    avg /= k;
    let spread = 0;
    for (let i = 0; i < k; i++) spread += ((elites.energies[i] as number) - avg) ** 2;
    spread = Math.sqrt(spread / k) + SPREAD_EPS;
    const w = new Float64Array(k);
    let total = 0;
    for (let i = 0; i < k; i++) {
      w[i] = Math.exp(-((elites.energies[i] as number) - e0) / (config.temperature * spread));
      total += w[i] as number;
    }
    for (let j = 0; j < n; j++) {
      let m = 0;
      for (let i = 0; i < k; i++) m += (w[i] as number) * (elites.actions[i * n + j] as number);
      m /= total;
      let v = 0;
      for (let i = 0; i < k; i++) v += (w[i] as number) * ((elites.actions[i * n + j] as number) - m) ** 2;
      mean[j] = m;
      std[j] = Math.min(Math.sqrt(v / total), ceiling[j % A] as number);
    }
  };
}

/** Checks an MPPI configuration. @throws RangeError naming the bad field. */
export function validateMppiConfig(c: MppiConfig): void {
  validateSamplingConfig(c);
  if (!(c.temperature > 0) || !Number.isFinite(c.temperature)) throw new RangeError(`temperature must be > 0, got ${c.temperature}`);
  if (!(c.maxStdFraction > 0)) throw new RangeError(`maxStdFraction must be > 0, got ${c.maxStdFraction}`);
}

/** Plans one action sequence with MPPI. */
export async function mppi(energy: EnergyFn, config: MppiConfig, rng: Rng, clock: Clock, warm?: WarmStart): Promise<OptimizerResult> {
  validateMppiConfig(config);
  return runSamplingOptimizer(energy, config, mppiUpdate(config), rng, clock, warm);
}
