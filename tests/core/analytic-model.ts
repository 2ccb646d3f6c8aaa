/**
 * Analytic world models for planner tests: the "latent" is the state itself, the predictor adds
 * the actions, and the energy is the L1 distance of the final state to a target. The optimum is
 * known exactly: the action sequence whose sum is (target − state), clipped to the bounds.
 */
import type { EnergyFn, EnergyModel, Latents, PlanningInputs } from '../../src/core/types.js';

/** Latents holding a vector (1 token of `v.length` channels). */
export function vectorLatents(v: readonly number[]): Latents {
  return { data: Float32Array.from(v), tokens: 1, dim: v.length };
}

/** Options of {@link l1Model}. */
export interface L1ModelOptions {
  /** Per-dimension weights of the L1 distance (default all 1). */
  weights?: readonly number[];
  /** Returns NaN for candidates this predicate accepts (to test non-finite handling). */
  nanWhere?: (action: Float32Array) => boolean;
  /** Counts calls and candidates. */
  stats?: { calls: number; candidates: number };
}

/** energy = Σ_d w_d |state_d + Σ_h a_{h,d} − goal_d|, computed per candidate. */
export function l1Model(options: L1ModelOptions = {}): EnergyModel {
  return {
    async bind(inputs: PlanningInputs): Promise<EnergyFn> {
      const A = inputs.state.length;
      const H = inputs.horizon;
      const goal = inputs.goal.data;
      return async (actions, batch) => {
        if (options.stats) {
          options.stats.calls++;
          options.stats.candidates += batch;
        }
        const out = new Float32Array(batch);
        for (let b = 0; b < batch; b++) {
          const seq = actions.subarray(b * H * A, (b + 1) * H * A);
          if (options.nanWhere?.(seq)) {
            out[b] = NaN;
            continue;
          }
          let e = 0;
          for (let d = 0; d < A; d++) {
            let x = inputs.state[d] as number;
            for (let h = 0; h < H; h++) x += seq[h * A + d] as number;
            e += (options.weights?.[d] ?? 1) * Math.abs(x - (goal[d] as number));
          }
          out[b] = e;
        }
        return out;
      };
    },
  };
}

/** A clock that advances 1 ms per reading. */
export function tickClock(): () => number {
  let t = 0;
  return () => t++;
}
