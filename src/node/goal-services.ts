/**
 * The planner node's goals: the SetGoal / SetGoalSequence requests (validated, images encoded),
 * and the goal book they fill — the subgoal sequence, a single goal waiting for the model's
 * proposer to split it into stages, and a generation number that tells a plan in flight its
 * goals changed under it.
 */
import { latentDistance } from '../core/latent-distance.js';
import { SubgoalSequencer, type Subgoal } from '../core/subgoals.js';
import type { Latents } from '../core/types.js';
import type { Logger } from '../log.js';
import { rawToRgb, type RawImage, type RgbImage } from '../model/image.js';
import type { Manifest } from '../model/manifest.js';
import type { WorldModel } from '../model/world-model.js';
import { readGoalFile } from './goal-files.js';
import { frameToRgb } from './node-inputs.js';
import { goalFrame, modelFrame } from '../model/model-frames.js';
import type { ParamValues } from './parameters.js';
import type { CameraFrame } from './ports.js';

/** A SetGoal request (exactly one source). */
export interface SetGoalRequest {
  readonly image?: RawImage;
  readonly fileName?: string;
  readonly useCurrentFrame?: boolean;
}
/** A SetGoal response. */
export interface SetGoalResponse {
  readonly accepted: boolean;
  readonly message: string;
  /** Latent distance of the current frame to the new goal (core/latent-distance.ts; NaN without a frame). */
  readonly latentDistance: number;
}
/** A SetGoalSequence request: goals from images and/or files (images first), a budget each. */
export interface SetGoalSequenceRequest {
  readonly images: readonly RawImage[];
  readonly fileNames: readonly string[];
  readonly maxSteps: readonly number[];
  /** Optional per-goal thresholds; ≤ 0 or NaN = budget only. */
  readonly energyThresholds: readonly number[];
}
/** A SetGoalSequence response. */
export interface SetGoalSequenceResponse {
  readonly accepted: boolean;
  readonly message: string;
  readonly goalCount: number;
}

/** The model's subgoal proposer when the node splits a single SetGoal goal into its stages (`propose_stages`), else undefined. */
export function stageProposer(model: WorldModel, params: Pick<ParamValues, 'propose_stages'>): Manifest['subgoalProposer'] {
  return params.propose_stages && model.proposeStages ? model.manifest.subgoalProposer : undefined;
}

/** The goals the node plans toward (see the file comment). */
export class GoalBook {
  sequencer: SubgoalSequencer<Latents> | undefined;
  /** A single goal whose stages the model's proposer makes from the first frame planned from. */
  pendingStages: Latents | undefined;
  generation = 0;

  /** New goals (and, for a single goal to split, that goal): a plan in flight for the old ones is dropped. */
  install(subgoals: Subgoal<Latents>[], proposeFrom?: Latents): void {
    this.sequencer = new SubgoalSequencer(subgoals);
    this.pendingStages = proposeFrom;
    this.generation++;
  }

  /** Forget the goals. */
  clear(): void {
    this.sequencer = undefined;
    this.pendingStages = undefined;
    this.generation++;
  }
}

/** What the goal services need from the node. */
export interface GoalHost {
  readonly model: WorldModel;
  readonly params: ParamValues;
  readonly goalDir: string;
  /** The latest frame of each view the model takes (its order), or undefined while one is missing. */
  readonly currentFrames: readonly CameraFrame[] | undefined;
  readonly log: Logger;
  install(subgoals: Subgoal<Latents>[], proposeFrom?: Latents): void;
}

/** SetGoal: one goal from an image, a file in the goal folder, or the current frame. */
export async function setGoal(host: GoalHost, req: SetGoalRequest): Promise<SetGoalResponse> {
  const sources = [req.image !== undefined && req.image.data.length > 0, !!req.fileName, !!req.useCurrentFrame].filter(Boolean).length;
  if (sources !== 1) return { accepted: false, message: 'give exactly one of image, file_name or use_current_frame', latentDistance: NaN };
  const { model, params } = host;
  const goal = await model.encodeGoal(await goalImage(host, req));
  const threshold = params.goal_energy_threshold;
  const proposer = stageProposer(model, params);
  host.install([{ goal, maxSteps: params.goal_max_steps, ...(threshold > 0 ? { energyThreshold: threshold } : {}) }], proposer ? goal : undefined);
  const latentDistance = await currentDistance(host, goal);
  host.log.info({ source: req.fileName ?? (req.useCurrentFrame ? 'current frame' : 'image'), latentDistance, goalGripper: goal.gripperReadout }, 'goal set');
  const how = proposer
    ? `stages ${proposer.stages.join(', ')} from the subgoal proposer (${proposer.steps.join('/')} steps)`
    : `${params.goal_max_steps} steps budget`;
  return { accepted: true, message: `goal set (${how})`, latentDistance };
}

/** Why a SetGoalSequence request cannot be taken, before any image is read. */
export function sequenceProblem(req: SetGoalSequenceRequest): string | undefined {
  const count = req.images.length + req.fileNames.length;
  if (count === 0) return 'no goals given';
  if (req.maxSteps.length !== count) return `max_steps has ${req.maxSteps.length} entries for ${count} goals`;
  if (req.energyThresholds.length !== 0 && req.energyThresholds.length !== count)
    return `energy_thresholds has ${req.energyThresholds.length} entries for ${count} goals (give none or one each)`;
  const bad = req.maxSteps.findIndex((n) => !Number.isSafeInteger(n) || n < 1);
  if (bad >= 0) return `max_steps[${bad}] must be >= 1, got ${req.maxSteps[bad]}`;
  return undefined;
}

/** SetGoalSequence: several goals with a step budget (and optional energy threshold) each; the request is checked by {@link sequenceProblem}. */
export async function setGoalSequence(host: GoalHost, req: SetGoalSequenceRequest): Promise<SetGoalSequenceResponse> {
  const sources = [...req.images.map((image) => ({ image })), ...req.fileNames.map((fileName) => ({ fileName }))];
  const subgoals: Subgoal<Latents>[] = [];
  for (const [i, source] of sources.entries()) {
    const goal = await host.model.encodeGoal(await goalImage(host, source));
    const t = req.energyThresholds[i];
    subgoals.push({ goal, maxSteps: req.maxSteps[i] as number, ...(t !== undefined && t > 0 ? { energyThreshold: t } : {}) });
  }
  host.install(subgoals);
  const goalGripper = subgoals.map((s) => s.goal.gripperReadout);
  host.log.info({ goals: sources.length, budgets: req.maxSteps, ...(goalGripper.some((g) => g !== undefined) ? { goalGripper } : {}) }, 'goal sequence set');
  return { accepted: true, message: `${sources.length} goals set`, goalCount: sources.length };
}

/** A goal as the model encodes it: a given image or file (a multi-view model's holds its views side by side), or the current frames. */
async function goalImage(host: GoalHost, req: SetGoalRequest): Promise<RgbImage> {
  const m = host.model.manifest;
  if (req.fileName) return goalFrame(m, await readGoalFile(host.goalDir, req.fileName));
  if (req.image) return goalFrame(m, rawToRgb(req.image));
  if (!host.currentFrames) throw new Error('no camera frame received yet to use as the goal');
  return modelFrame(m, host.currentFrames.map(frameToRgb));
}

/** The latent distance of the current frames to a goal (NaN without frames or when encoding fails). */
async function currentDistance(host: GoalHost, goal: Latents): Promise<number> {
  if (!host.currentFrames) return NaN;
  try {
    return latentDistance(await host.model.encode(modelFrame(host.model.manifest, host.currentFrames.map(frameToRgb))), goal);
  } catch {
    return NaN;
  }
}
