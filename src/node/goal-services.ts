/**
 * The planner node's goals: the SetGoal / SetGoalSequence requests (validated, images encoded),
 * and the goal book they fill — the subgoal sequence, the goals waiting for the model's proposer
 * to fill in their stages (a single goal, or a sequence named by stage), and a generation number
 * that tells a plan in flight its goals changed under it.
 */
import { latentDistance } from '../core/latent-distance.js';
import { stageMismatch, type GivenGoalSettings } from '../core/stages.js';
import { SubgoalSequencer, type Subgoal } from '../core/subgoals.js';
import type { Latents } from '../core/types.js';
import type { Logger } from '../log.js';
import { rawToRgb, type RawImage, type RgbImage } from '../model/image.js';
import type { Manifest } from '../model/manifest.js';
import type { NamedGoals } from '../model/stage-proposal.js';
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
  /** One budget per goal; may be empty with stage names (the proposer's budgets). */
  readonly maxSteps: readonly number[];
  /** Optional per-goal thresholds; ≤ 0 or NaN = budget only. */
  readonly energyThresholds: readonly number[];
  /**
   * Empty, or the proposer's stage each goal shows (the last goal is the task's goal, whatever its
   * name): the model's proposer then fills in the stages no goal was given for.
   */
  readonly stageNames?: readonly string[];
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

/**
 * Goals whose missing stages the model's proposer makes from the first frame planned from (a
 * single goal: all but the last), with their own budgets and thresholds.
 */
export type PendingStages = NamedGoals & GivenGoalSettings;

/** A single goal to split into the proposer's stages (SetGoal; the action's one goal without budgets). */
export function singleGoalStages(goal: Latents): PendingStages {
  return { names: ['goal'], goals: [goal], energyThresholds: [] };
}

/** The goals the node plans toward (see the file comment). */
export class GoalBook {
  sequencer: SubgoalSequencer<Latents> | undefined;
  /** Goals whose stages the model's proposer fills in from the first frame planned from. */
  pendingStages: PendingStages | undefined;
  generation = 0;

  /** New goals (and, when the proposer fills in their stages, those goals): a plan in flight for the old ones is dropped. */
  install(subgoals: Subgoal<Latents>[], proposeFrom?: PendingStages): void {
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
  install(subgoals: Subgoal<Latents>[], proposeFrom?: PendingStages): void;
}

/** SetGoal: one goal from an image, a file in the goal folder, or the current frame. */
export async function setGoal(host: GoalHost, req: SetGoalRequest): Promise<SetGoalResponse> {
  const sources = [req.image !== undefined && req.image.data.length > 0, !!req.fileName, !!req.useCurrentFrame].filter(Boolean).length;
  if (sources !== 1) return { accepted: false, message: 'give exactly one of image, file_name or use_current_frame', latentDistance: NaN };
  const { model, params } = host;
  const goal = await model.encodeGoal(await goalImage(host, req));
  const threshold = params.goal_energy_threshold;
  const proposer = stageProposer(model, params);
  host.install(
    [{ goal, maxSteps: params.goal_max_steps, ...(threshold > 0 ? { energyThreshold: threshold } : {}) }],
    proposer ? singleGoalStages(goal) : undefined,
  );
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
  const named = (req.stageNames?.length ?? 0) > 0;
  if (count === 0) return 'no goals given';
  if (named && req.stageNames?.length !== count) return `stage_names has ${req.stageNames?.length} entries for ${count} goals (give none or one each)`;
  if (req.maxSteps.length !== count && !(named && req.maxSteps.length === 0))
    return `max_steps has ${req.maxSteps.length} entries for ${count} goals${named ? ' (give none or one each)' : ''}`;
  if (req.energyThresholds.length !== 0 && req.energyThresholds.length !== count)
    return `energy_thresholds has ${req.energyThresholds.length} entries for ${count} goals (give none or one each)`;
  const bad = req.maxSteps.findIndex((n) => !Number.isSafeInteger(n) || n < 1);
  if (bad >= 0) return `max_steps[${bad}] must be >= 1, got ${req.maxSteps[bad]}`;
  return undefined;
}

/**
 * SetGoalSequence: several goals with a step budget (and optional energy threshold) each; the
 * request is checked by {@link sequenceProblem}. With stage names and the model's proposer on, the
 * proposer fills in the stages no goal was given for at the first plan (their budgets the
 * proposer's; a given goal's stage its own budget when max_steps has one).
 */
export async function setGoalSequence(host: GoalHost, req: SetGoalSequenceRequest): Promise<SetGoalSequenceResponse> {
  const sources = [...req.images.map((image) => ({ image })), ...req.fileNames.map((fileName) => ({ fileName }))];
  const names = req.stageNames ?? [];
  const proposer = names.length > 0 ? stageProposer(host.model, host.params) : undefined;
  const mismatch = proposer && stageMismatch(proposer.stages, names);
  if (mismatch) return { accepted: false, message: `stage_names: ${mismatch}`, goalCount: 0 };
  const goals: Latents[] = [];
  const subgoals: Subgoal<Latents>[] = [];
  for (const [i, source] of sources.entries()) {
    const goal = await host.model.encodeGoal(await goalImage(host, source));
    const t = req.energyThresholds[i];
    goals.push(goal);
    subgoals.push({ goal, maxSteps: req.maxSteps[i] ?? host.params.goal_max_steps, ...(t !== undefined && t > 0 ? { energyThreshold: t } : {}) });
  }
  const own = req.maxSteps.length > 0 ? req.maxSteps : undefined;
  host.install(subgoals, proposer ? { names, goals, ...(own ? { maxSteps: own } : {}), energyThresholds: req.energyThresholds } : undefined);
  const goalGripper = subgoals.map((s) => s.goal.gripperReadout);
  const ignored = names.length > 0 && !proposer;
  host.log.info(
    {
      goals: sources.length,
      budgets: own ?? (proposer ? 'proposer' : host.params.goal_max_steps),
      ...(names.length ? { stageNames: names, proposeStages: !!proposer } : {}),
      ...(goalGripper.some((g) => g !== undefined) ? { goalGripper } : {}),
    },
    'goal sequence set',
  );
  if (ignored)
    host.log.warn({ stageNames: names }, 'stage_names given, but the model has no subgoal proposer or propose_stages is off: the goals are planned as given');
  const how = proposer
    ? `; stages ${proposer.stages.join(', ')}, those not given from the subgoal proposer`
    : ignored
      ? `; stage_names not used (no subgoal proposer, or propose_stages off): planned as given, ${own ? 'the given budgets' : `${host.params.goal_max_steps} steps each`}`
      : '';
  return { accepted: true, message: `${sources.length} goals set${how}`, goalCount: sources.length };
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
