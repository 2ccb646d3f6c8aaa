/**
 * The receding-horizon MPC step: (current latents, state, goal latents) → the first action of an
 * optimised sequence, with its energy, iteration count, timings and a status. Execute the
 * action, observe, call again. It never throws in the per-cycle path: bad inputs and model
 * failures come back as a status with a zero (hold) action.
 */
import { type ActionSpace, actionDim, snapGripper } from './action-space.js';
import { type CemConfig, CEM_DEFAULTS, cem } from './cem.js';
import { ICEM_DEFAULTS } from './icem.js';
import { type MppiConfig, MPPI_DEFAULTS, mppi } from './mppi.js';
import type { OptimizerResult, WarmStart } from './optimizer.js';
import type { Rng } from './rng.js';
import { PlannerStatus } from './status.js';
import type { Clock, EnergyFn, EnergyModel, Latents } from './types.js';

/** The sampling optimisers the planner can run. */
export const OPTIMIZER_NAMES = ['cem', 'icem', 'mppi'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Which optimiser the planner runs and with what settings. */
export interface PlannerConfig {
  readonly optimizer: OptimizerName;
  readonly cem: CemConfig;
  /** iCEM: CEM with coloured noise, elites carried and a shrinking population ({@link ICEM_DEFAULTS}). */
  readonly icem: CemConfig;
  readonly mppi: MppiConfig;
  /**
   * Start each plan from the previous plan shifted by one step (zeros appended) instead of zeros.
   * (iCEM also carries the previous plan's elites into the next plan, warm start or not.)
   */
  readonly warmStart: boolean;
  /**
   * Weight of the goal-gripper term (0 = off, the paper's energy): when the goal latents carry a
   * {@link Latents}.gripperReadout, every candidate's energy gains
   * weight · |commanded closedness after its actions − that readout| ({@link withGoalGripper}).
   */
  readonly goalGripperWeight: number;
  /**
   * Close after the arm (m; 0 = off). With the goal-gripper term on and the goal's readout asking
   * to close open fingers, the search holds the gripper open (while the arm moves) and the first
   * action closes only when the planned arm step is shorter than this: the arm has arrived
   * ({@link gripperAfterArm}). Opening is never deferred.
   */
  readonly gripperAfterArm: number;
}

/** The paper's planner: CEM with its defaults, no warm start. */
export const PLANNER_DEFAULTS: PlannerConfig = Object.freeze({
  optimizer: 'cem',
  cem: CEM_DEFAULTS,
  icem: ICEM_DEFAULTS,
  mppi: MPPI_DEFAULTS,
  warmStart: false,
  goalGripperWeight: 0,
  gripperAfterArm: 0,
});

/** The settings of the optimiser a planner configuration runs. */
export function activeOptimizer(config: PlannerConfig): CemConfig | MppiConfig {
  return config[config.optimizer];
}

/** Inputs of one planning step. */
export interface MpcInputs {
  readonly latents: Latents;
  /** End-effector state [S]. */
  readonly state: Float32Array;
  readonly goal: Latents;
}

/** Where the time of a step went, in ms. */
export interface MpcTimings {
  readonly totalMs: number;
  /** Binding the shared inputs to the model (upload, goal broadcast). */
  readonly bindMs: number;
  /** Inside the batched energy calls. */
  readonly modelMs: number;
  /** Sampling, ranking and updating (total − bind − model). */
  readonly optimizerMs: number;
}

/** What one MPC step returns. */
export interface MpcStepResult {
  /** Action to execute now [A] (all zeros = hold). */
  readonly action: Float32Array;
  /** The whole planned sequence [H, A]. */
  readonly plan: Float32Array;
  /** Energy of the planned sequence (NaN when not planned). */
  readonly energy: number;
  /** Mean elite energy per iteration (should fall). */
  readonly eliteEnergies: number[];
  readonly iterations: number;
  readonly evaluations: number;
  readonly timings: MpcTimings;
  /** A {@link PlannerStatus} code. */
  readonly status: number;
  readonly message: string;
}

/** Dependencies injected into the planner. */
export interface MpcDeps {
  readonly rng: Rng;
  readonly clock: Clock;
}

/** Plans one action per call, keeping the previous plan for warm starts. */
export class MpcPlanner {
  private previousPlan: Float32Array | undefined;
  private previousElites: Float32Array | undefined;

  constructor(
    private readonly model: EnergyModel,
    readonly config: PlannerConfig,
    private readonly deps: MpcDeps,
  ) {}

  /** The active optimiser's settings. */
  get optimizerConfig(): CemConfig | MppiConfig {
    return activeOptimizer(this.config);
  }

  /** Forgets the previous plan (call on a new goal or episode). */
  reset(): void {
    this.previousPlan = undefined;
    this.previousElites = undefined;
  }

  /** Plans and returns the first action. Never throws: failures become a status and a hold. */
  async step(inputs: MpcInputs): Promise<MpcStepResult> {
    const { clock } = this.deps;
    const t0 = clock();
    const opt = this.optimizerConfig;
    const A = actionDim(opt.space);
    const H = opt.horizon;
    const hold = (status: number, message: string, bindMs = 0): MpcStepResult => ({
      action: new Float32Array(A),
      plan: new Float32Array(H * A),
      energy: NaN,
      eliteEnergies: [],
      iterations: 0,
      evaluations: 0,
      timings: { totalMs: clock() - t0, bindMs, modelMs: 0, optimizerMs: 0 },
      status,
      message,
    });

    const problem = inputProblem(inputs);
    if (problem) return hold(PlannerStatus.INVALID_INPUT, problem);

    let bindMs = 0;
    let result: OptimizerResult;
    let energy: EnergyFn;
    const deferred = gripperDeferred(inputs, opt.space, this.config);
    try {
      const goal = deferred === undefined ? inputs.goal : { ...inputs.goal, gripperReadout: deferred.hold };
      energy = withGoalGripper(await this.model.bind({ ...inputs, horizon: H }), { ...inputs, goal }, opt.space, H, this.config.goalGripperWeight);
      bindMs = clock() - t0;
      const warm = this.shiftedPrevious(H, A);
      result =
        this.config.optimizer === 'mppi'
          ? await mppi(energy, this.config.mppi, this.deps.rng, clock, warm)
          : await cem(energy, this.config[this.config.optimizer], this.deps.rng, clock, warm);
    } catch (error) {
      this.reset();
      return hold(PlannerStatus.MODEL_ERROR, `world model failed: ${(error as Error).message}`, bindMs);
    }
    if (result.status === 'non-finite') {
      this.reset();
      return hold(PlannerStatus.NON_FINITE_ENERGY, `every candidate's energy was NaN/Inf (${result.nonFinite} of ${result.evaluations})`, bindMs);
    }
    const action = result.plan.slice(0, A);
    snapGripper(action, opt.space);
    let planEnergy = result.energy;
    let modelMs = result.modelMs;
    try {
      const gripper = await settleGripper(energy, result.plan, planEnergy, opt.space, clock);
      modelMs += gripper.modelMs;
      if (gripper.plan !== result.plan) {
        result.plan.set(gripper.plan);
        action.set(gripper.plan.subarray(0, A));
        planEnergy = gripper.energy;
      }
    } catch (error) {
      this.reset();
      return hold(PlannerStatus.MODEL_ERROR, `world model failed: ${(error as Error).message}`, bindMs);
    }
    if (deferred !== undefined) {
      gripperAfterArm(action, inputs.state, deferred.target, opt.space, this.config.gripperAfterArm);
      result.plan.set(action);
    }
    this.previousPlan = result.plan;
    this.previousElites = result.elites;
    const totalMs = clock() - t0;
    return {
      action,
      plan: result.plan,
      energy: planEnergy,
      eliteEnergies: result.eliteEnergies,
      iterations: result.iterations,
      evaluations: result.evaluations,
      timings: { totalMs, bindMs, modelMs, optimizerMs: Math.max(0, totalMs - bindMs - modelMs) },
      status: PlannerStatus.OK,
      message: result.nonFinite > 0 ? `${result.nonFinite} candidates had non-finite energy and were skipped` : 'ok',
    };
  }

  /**
   * The warm start: with warmStart, the previous plan shifted by one step, zeros appended; with
   * elites carried (iCEM), the previous elites shifted, their last action repeated (at horizon 1:
   * the previous plan's best actions, scored again).
   */
  private shiftedPrevious(H: number, A: number): WarmStart {
    const n = H * A;
    const prev = this.config.warmStart ? this.previousPlan : undefined;
    const elites = (this.optimizerConfig.keepElites ?? 0) > 0 ? this.previousElites : undefined;
    const warm: { mean?: Float32Array; elites?: Float32Array } = {};
    if (prev && prev.length === n) {
      warm.mean = new Float32Array(n);
      warm.mean.set(prev.subarray(A));
    }
    if (elites && elites.length > 0 && elites.length % n === 0) {
      warm.elites = new Float32Array(elites.length);
      for (let row = 0; row < elites.length; row += n) {
        warm.elites.set(elites.subarray(row + A, row + n), row);
        warm.elites.set(elites.subarray(row + n - A, row + n), row + n - A);
      }
    }
    return warm;
  }
}

/**
 * The energy with the goal-gripper term added: weight · |g_H − gripperReadout| per candidate,
 * where g_H is the commanded closedness after the candidate's H actions from the current state
 * (clipped to [0, 1] at each step, as the state advances in the rollout graphs). The arm's part
 * stays the world model's; the term only says which way the goal image's fingers are — what a
 * 64 px JEPA latent barely shows (MODEL_CARD.md). Returns `energy` itself when the term is off,
 * the space has no gripper, or the goal carries no readout.
 */
export function withGoalGripper(energy: EnergyFn, inputs: MpcInputs, space: ActionSpace, horizon: number, weight: number): EnergyFn {
  const g = space.gripperIndex;
  const target = inputs.goal.gripperReadout;
  if (!(weight > 0) || g === null || target === undefined) return energy;
  const A = actionDim(space);
  const start = inputs.state[g] as number;
  return async (actions, batch) => {
    const e = await energy(actions, batch);
    const out = Float32Array.from(e);
    for (let b = 0; b < batch; b++) {
      let c = start;
      for (let h = 0; h < horizon; h++) c = Math.min(1, Math.max(0, c + (actions[(b * horizon + h) * A + g] as number)));
      out[b] = (out[b] as number) + weight * Math.abs(c - target);
    }
    return out;
  };
}

/** Closedness difference from which the goal's readout counts as the other gripper state. */
const GRIPPER_CHANGE = 0.5;

/**
 * When the gripper-after-arm rule applies to this step (the term on, the rule on, a readout that
 * asks to close fingers that are open): the closedness the search holds and the goal's.
 */
export function gripperDeferred(
  inputs: MpcInputs,
  space: ActionSpace,
  config: Pick<PlannerConfig, 'goalGripperWeight' | 'gripperAfterArm'>,
): { hold: number; target: number } | undefined {
  const g = space.gripperIndex;
  const target = inputs.goal.gripperReadout;
  if (g === null || target === undefined || !(config.goalGripperWeight > 0) || !(config.gripperAfterArm > 0)) return undefined;
  const current = inputs.state[g] as number;
  // Closing only: fingers must surround the object first; opening (a release) needs no arrival.
  return target - current > GRIPPER_CHANGE ? { hold: Math.min(1, Math.max(0, current)), target } : undefined;
}

/**
 * The second half of the gripper-after-arm rule, on the first action found with the gripper held:
 * when its arm step |Δxyz| is shorter than `settled` (m) the arm has arrived and the gripper moves
 * toward the goal's state as far as the space allows; otherwise it holds (0). (An energy-based
 * test — moving gains less than a fraction of holding's energy — closed the fingers 3–4 cm above
 * the cube for the paper's 'grasped' image: MODEL_CARD.md.)
 */
export function gripperAfterArm(action: Float32Array, state: Float32Array, target: number, space: ActionSpace, settled: number): void {
  const g = space.gripperIndex;
  if (g === null) return;
  const step = Math.hypot(action[0] as number, action[1] as number, action[2] as number);
  const want = target - (state[g] as number);
  action[g] = step < settled ? Math.min(space.upper[g] as number, Math.max(space.lower[g] as number, want)) : 0;
}

/** Outcome of {@link settleGripper}. */
interface GripperChoice {
  /** The plan to execute [H, A]: the input plan itself when the rule is off or could not score. */
  readonly plan: Float32Array;
  /** Its energy. */
  readonly energy: number;
  readonly modelMs: number;
}

/**
 * The gripper rule of {@link ActionSpace}.gripperMargin > 0. After the search has settled the
 * arm motion, the first action's gripper is one of three choices — hold (0), fully open (the
 * lower bound) or fully close (the upper bound) — scored on that same plan in one batch of 3. A
 * change is taken only when its energy is below (1 − margin) × the hold's (hysteresis): far from
 * a goal the differences a gripper change makes are small against the model's error, and the
 * search's own gripper value is mostly noise there (the energy barely depends on it).
 */
export async function settleGripper(energy: EnergyFn, plan: Float32Array, planEnergy: number, space: ActionSpace, clock: Clock): Promise<GripperChoice> {
  const g = space.gripperIndex;
  if (g === null || space.gripperMargin <= 0) return { plan, energy: planEnergy, modelMs: 0 };
  const choices = [0, space.lower[g] as number, space.upper[g] as number];
  const n = plan.length;
  const batch = new Float32Array(choices.length * n);
  choices.forEach((c, k) => {
    batch.set(plan, k * n);
    batch[k * n + g] = c;
  });
  const t0 = clock();
  const energies = await energy(batch, choices.length);
  const modelMs = clock() - t0;
  const hold = energies[0] as number;
  let best = 0;
  for (let k = 1; k < choices.length; k++) {
    const e = energies[k] as number;
    if (Number.isFinite(e) && e < (1 - space.gripperMargin) * hold && (best === 0 || e < (energies[best] as number))) best = k;
  }
  if (!Number.isFinite(hold) && best === 0) return { plan, energy: planEnergy, modelMs };
  return { plan: batch.slice(best * n, (best + 1) * n), energy: energies[best] as number, modelMs };
}

/** Describes what is wrong with the inputs, or returns undefined when they are usable. */
export function inputProblem(inputs: MpcInputs): string | undefined {
  for (const [name, z] of [
    ['latents', inputs.latents],
    ['goal', inputs.goal],
  ] as const) {
    if (z.data.length !== z.tokens * z.dim) return `${name} has ${z.data.length} values, expected ${z.tokens}x${z.dim}`;
    const bad = z.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return `${name}[${bad}] is ${z.data[bad]}`;
  }
  if (inputs.latents.tokens !== inputs.goal.tokens || inputs.latents.dim !== inputs.goal.dim) {
    return `goal latents ${inputs.goal.tokens}x${inputs.goal.dim} do not match current latents ${inputs.latents.tokens}x${inputs.latents.dim}`;
  }
  const bad = inputs.state.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return `state[${bad}] is ${inputs.state[bad]}`;
  const readout = inputs.goal.gripperReadout;
  if (readout !== undefined && !(readout >= 0 && readout <= 1)) return `goal gripper readout is ${readout}, expected a closedness in [0, 1]`;
  return undefined;
}
