/**
 * Closed-loop goal reaching in the built-in simulator from pixels: the goal image is rendered by
 * running the scripted expert from the same initial layout in a second simulator; the planner then
 * drives the first simulator from its camera frames and 7-D state only (the task's success flag,
 * simulator truth, is read only to score the episode).
 */
import { runExpertEpisode } from '../../sim/expert.js';
import type { Observation, TabletopSim } from '../../sim/tabletop.js';
import type { MpcPlanner } from '../core/mpc.js';
import { PlannerStatus, statusName } from '../core/status.js';
import type { Latents } from '../core/types.js';
import type { RgbImage } from '../model/image.js';

/** What the loop needs from a world model (OnnxWorldModel satisfies it). */
export interface FrameEncoder {
  encode(image: RgbImage): Promise<Latents>;
  encodeGoal(image: RgbImage): Promise<Latents>;
}

/** Options of {@link runGoalEpisode}. */
export interface GoalEpisodeOptions {
  /** Simulator the planner drives. */
  sim: TabletopSim;
  /** Second simulator (same task and camera) where the expert renders the goal. */
  goalSim: TabletopSim;
  model: FrameEncoder;
  planner: MpcPlanner;
  /** Layout seed of the episode. */
  seed: number;
  /** Planner steps (default: the simulator's episode length). */
  maxSteps?: number;
  /** Expert steps run after its success before the goal frame is taken (default 2: settled). */
  goalSettleSteps?: number;
  /** Keep every frame (for GIFs; default false). */
  keepFrames?: boolean;
  /** Called after every step. */
  onStep?: (step: StepRecord) => void;
}

/** One executed step. */
export interface StepRecord {
  step: number;
  action: Float32Array;
  energy: number;
  planMs: number;
  status: string;
  /** Tool centre → task target (m; simulator truth, for reporting). */
  tcpToTarget: number;
}

/** Outcome of one episode. */
export interface GoalEpisodeResult {
  seed: number;
  success: boolean;
  /** Steps to the first success, or all steps taken. */
  steps: number;
  /** Whether the expert reached the goal (else the goal image is only its best attempt). */
  expertSuccess: boolean;
  /** Initial and final tool centre → target distances (m). */
  startDistance: number;
  finalDistance: number;
  /** Smallest distance seen (m). */
  bestDistance: number;
  meanPlanMs: number;
  records: StepRecord[];
  goal: RgbImage;
  frames: RgbImage[];
}

const toImage = (o: Observation): RgbImage => ({ width: o.width, height: o.height, data: o.rgb });

/**
 * Runs one goal-image episode: expert in `goalSim` → goal frame; planner in `sim` until the task
 * succeeds or `maxSteps` actions have been executed.
 */
export async function runGoalEpisode(o: GoalEpisodeOptions): Promise<GoalEpisodeResult> {
  const expert = runExpertEpisode(o.goalSim, o.seed, { keepObservations: true, extraSteps: o.goalSettleSteps ?? 2 });
  const last = expert.observations[expert.observations.length - 1];
  if (!last) throw new Error(`expert produced no observation for seed ${o.seed}`);
  const goalImage = toImage(last);
  const goal = await o.model.encodeGoal(goalImage);
  o.planner.reset();
  let obs = o.sim.reset(o.seed);
  const startDistance = obs.task.tcpToTarget;
  let best = startDistance;
  const records: StepRecord[] = [];
  const frames: RgbImage[] = o.keepFrames ? [toImage(obs)] : [];
  const maxSteps = o.maxSteps ?? o.sim.maxSteps;
  let success = obs.task.success;
  let steps = 0;
  while (!success && steps < maxSteps) {
    const latents = await o.model.encode(toImage(obs));
    const result = await o.planner.step({ latents, goal, state: Float32Array.from(obs.state) });
    if (result.status !== PlannerStatus.OK) throw new Error(`planner: ${statusName(result.status)} ${result.message}`);
    obs = o.sim.step(result.action);
    steps++;
    success = obs.task.success;
    best = Math.min(best, obs.task.tcpToTarget);
    const rec: StepRecord = { step: steps, action: result.action, energy: result.energy, planMs: result.timings.totalMs, status: statusName(result.status), tcpToTarget: obs.task.tcpToTarget };
    records.push(rec);
    if (o.keepFrames) frames.push(toImage(obs));
    o.onStep?.(rec);
  }
  return {
    seed: o.seed,
    success,
    steps,
    expertSuccess: expert.success,
    startDistance,
    finalDistance: obs.task.tcpToTarget,
    bestDistance: best,
    meanPlanMs: records.length ? records.reduce((s, r) => s + r.planMs, 0) / records.length : 0,
    records,
    goal: goalImage,
    frames,
  };
}
