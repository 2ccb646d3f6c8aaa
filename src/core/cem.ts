/**
 * The Cross-Entropy Method as V-JEPA 2-AC plans with it: Gaussian sampling, top-K elites, the new
 * mean/std are the elites' mean/std blended with the old ones by momentum; plan = final mean.
 * Defaults are the paper's: 800 samples, 10 iterations, 10 elites, horizon 1, ±0.075 m xyz,
 * rotations pinned, gripper ±0.75 (snap < 0.25 → 0 is applied to the executed action by the MPC
 * step), momentum 0.15 on mean and std as in the public code.
 */
import { PAPER_ACTION_SPACE } from './action-space.js';
import { type OptimizerResult, type SamplingConfig, type UpdateRule, type WarmStart, runSamplingOptimizer, validateSamplingConfig } from './optimizer.js';
import type { Rng } from './rng.js';
import type { Clock, EnergyFn } from './types.js';

/** CEM settings. */
export interface CemConfig extends SamplingConfig {
  /** Weight of the old mean: mean ← m·mean + (1 − m)·eliteMean. */
  readonly momentumMean: number;
  /** Weight of the old std: std ← m·std + (1 − m)·eliteStd. */
  readonly momentumStd: number;
}

/** The paper's CEM settings. */
export const CEM_DEFAULTS: CemConfig = Object.freeze({
  samples: 800,
  iterations: 10,
  elites: 10,
  horizon: 1,
  space: PAPER_ACTION_SPACE,
  initStd: null,
  minStdFraction: 0.01,
  includeMean: true,
  select: 'mean',
  momentumMean: 0.15,
  momentumStd: 0.15,
});

/** The CEM update rule: elite mean and (population) std, blended by momentum. */
export function cemUpdate(momentumMean: number, momentumStd: number): UpdateRule {
  return (mean, std, elites) => {
    const n = mean.length;
    const k = elites.count;
    for (let j = 0; j < n; j++) {
      let m = 0;
      for (let e = 0; e < k; e++) m += elites.actions[e * n + j] as number;
      m /= k;
      let v = 0;
      for (let e = 0; e < k; e++) {
        const d = (elites.actions[e * n + j] as number) - m;
        v += d * d;
      }
      const s = Math.sqrt(v / k);
      mean[j] = momentumMean * (mean[j] as number) + (1 - momentumMean) * m;
      std[j] = momentumStd * (std[j] as number) + (1 - momentumStd) * s;
    }
  };
}

/** Checks a CEM configuration. @throws RangeError naming the bad field. */
export function validateCemConfig(c: CemConfig): void {
  validateSamplingConfig(c);
  for (const [name, v] of [
    ['momentumMean', c.momentumMean],
    ['momentumStd', c.momentumStd],
  ] as const) {
    if (!(v >= 0 && v < 1)) throw new RangeError(`${name} must be in [0, 1), got ${v}`);
  }
}

/**
 * Plans one action sequence with CEM.
 * @param energy batched energy: actions [B, H, A] → energies [B]
 * @param warm optional warm start (initial mean [H, A], previous elites)
 */
export async function cem(energy: EnergyFn, config: CemConfig, rng: Rng, clock: Clock, warm?: WarmStart): Promise<OptimizerResult> {
  validateCemConfig(config);
  return runSamplingOptimizer(energy, config, cemUpdate(config.momentumMean, config.momentumStd), rng, clock, warm);
}
