/**
 * Running episodes of a task with a built-in policy (the scripted expert or uniform random
 * actions) and collecting success statistics; the engine behind `jepa-mpc sim-eval`.
 */
import { createRng, type Rng } from '../src/core/rng.js';
import { ScriptedExpert } from './expert.js';
import type { Observation, TabletopSim } from './tabletop.js';
import type { TaskInfo } from './tasks.js';

/** Built-in policies. */
export const POLICY_NAMES = ['scripted', 'random'] as const;
/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Bounds of the random policy: the planner's default action space. */
export const RANDOM_POLICY_BOUNDS = { translation: 0.075, gripper: 0.75 } as const;

/**
 * Uniform random actions in the planner's default bounds: Δxyz in ±7.5 cm, no rotation, gripper
 * Δ drawn from {−0.75, 0, +0.75}.
 */
export function randomAction(rng: Rng): Float64Array {
  const t = RANDOM_POLICY_BOUNDS.translation;
  const g = RANDOM_POLICY_BOUNDS.gripper;
  const u = (): number => (2 * rng.uniform() - 1) * t;
  return Float64Array.of(u(), u(), u(), 0, 0, 0, (rng.int(3) - 1) * g);
}

/** Outcome of one episode. */
export interface EpisodeResult {
  /** Episode index (0-based). */
  index: number;
  seed: number;
  success: boolean;
  /** Control steps taken (to the first success, or the step limit). */
  steps: number;
  /** Task metrics at the end. */
  final: TaskInfo;
}

/** Summary of {@link evaluatePolicy}. */
export interface EvaluationSummary {
  task: string;
  policy: PolicyName;
  episodes: number;
  successes: number;
  successRate: number;
  /** Mean control steps per episode. */
  meanSteps: number;
  /** Mean steps of the successful episodes (NaN if none). */
  meanStepsToSuccess: number;
  /** First seed; episode i uses seed + i. */
  seed: number;
  results: EpisodeResult[];
}

/** Options of {@link evaluatePolicy}. */
export interface EvaluateOptions {
  policy: PolicyName;
  episodes: number;
  /** First episode seed; episode i uses seed + i. */
  seed: number;
  /** Called after each episode. */
  onEpisode?: (result: EpisodeResult) => void;
  /** Called with every observation of episode 0 (for recordings). */
  onFirstEpisodeFrame?: (obs: Observation) => void;
  /** Steps to keep running after a success in episode 0, so recordings show the end (default 0). */
  recordExtraSteps?: number;
}

/**
 * Runs `episodes` episodes and summarises them. Each episode starts from `reset(seed + i)` and
 * ends at its first success or at the simulator's step limit.
 * @throws RangeError for a non-positive episode count.
 */
export function evaluatePolicy(sim: TabletopSim, options: EvaluateOptions): EvaluationSummary {
  if (!(Number.isSafeInteger(options.episodes) && options.episodes > 0)) {
    throw new RangeError(`episodes must be a positive integer, got ${String(options.episodes)}`);
  }
  const results: EpisodeResult[] = [];
  for (let i = 0; i < options.episodes; i++) {
    const seed = options.seed + i;
    const record = i === 0 ? options.onFirstEpisodeFrame : undefined;
    const expert = new ScriptedExpert(sim);
    const rng = createRng(seed);
    let obs = sim.reset(seed);
    record?.(obs);
    let success = obs.task.success;
    let steps = 0;
    let extra = record ? (options.recordExtraSteps ?? 0) : 0;
    while (steps < sim.maxSteps) {
      const action = options.policy === 'scripted' ? expert.act(obs) : randomAction(rng);
      obs = sim.step(action);
      record?.(obs);
      if (!success) steps++;
      success ||= obs.task.success;
      if (success && extra-- <= 0) break;
    }
    const result: EpisodeResult = { index: i, seed, success, steps, final: obs.task };
    results.push(result);
    options.onEpisode?.(result);
  }
  const successes = results.filter((r) => r.success).length;
  const wins = results.filter((r) => r.success);
  return {
    task: sim.task,
    policy: options.policy,
    episodes: results.length,
    successes,
    successRate: successes / results.length,
    meanSteps: results.reduce((s, r) => s + r.steps, 0) / results.length,
    meanStepsToSuccess: wins.length > 0 ? wins.reduce((s, r) => s + r.steps, 0) / wins.length : Number.NaN,
    seed: options.seed,
    results,
  };
}
