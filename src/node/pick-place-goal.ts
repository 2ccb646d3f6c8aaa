/**
 * The PickPlace action's goal, feedback and result as plain types (msg/action/PickPlace.action),
 * and the checks a goal must pass at goal time — answered at once, because an action server's goal
 * callback must decide without waiting: the same sources and rules as SetGoalSequence (images,
 * files inside the goal folder, or the current frame; a budget and threshold per goal or none), the
 * images converted and the files read here, so a goal that is accepted can only fail later in the
 * model.
 */
import type { Latents } from '../core/types.js';
import type { Subgoal } from '../core/subgoals.js';
import { rawToRgb, type RawImage, type RgbImage } from '../model/image.js';
import type { Manifest } from '../model/manifest.js';
import { goalFrame, modelFrame } from '../model/model-frames.js';
import type { WorldModel } from '../model/world-model.js';
import { readGoalFileSync } from './goal-files.js';
import { frameToRgb } from './node-inputs.js';
import type { ParamValues } from './parameters.js';
import type { CameraFrame } from './ports.js';
import { singleGoalStages, stageProposer, type PendingStages } from './goal-services.js';
import { stageMismatch } from '../core/stages.js';

/** How a PickPlace goal ended (the action's result constants). */
export const PickPlaceOutcome = {
  /** The last subgoal's budget is spent or its energy threshold met, and the last motion finished. */
  REACHED: 0,
  /** The goal's timeout passed; the arm holds. */
  TIMED_OUT: 1,
  /** Cancelled by the client; the arm holds. */
  CANCELLED: 2,
  /** Replaced by a newer goal or a goal service call, or ended by the node shutting down. */
  PREEMPTED: 3,
  /** Accepted but could not be set (see the message). */
  REFUSED: 4,
  /** The world model failed for good (its goal images could not be encoded, its worker gave up, or its plans kept failing). */
  MODEL_ERROR: 5,
} as const;

/** One of the {@link PickPlaceOutcome} names. */
export type PickPlaceOutcomeName = keyof typeof PickPlaceOutcome;

/** A PickPlace goal as received (ROS fields converted, not yet checked). */
export interface PickPlaceGoalRequest {
  readonly images: readonly RawImage[];
  readonly fileNames: readonly string[];
  readonly useCurrentFrame: boolean;
  /** Empty, or one budget per goal. */
  readonly maxSteps: readonly number[];
  /** Empty, or one per goal (≤ 0 or NaN = budget only). */
  readonly energyThresholds: readonly number[];
  /** Seconds on the node's clock; 0 = no limit. */
  readonly timeoutS: number;
  /** Empty, or the proposer's stage each goal shows (the last: the task's goal, whatever its name). */
  readonly stageNames?: readonly string[];
}

/** A goal that passed {@link checkPickPlaceGoal}: its goal images as the model encodes them. */
export interface CheckedGoal {
  /** One model frame per goal, in order. */
  readonly images: readonly RgbImage[];
  /** One budget per goal, or undefined: the node's defaults (a single goal: SetGoal's behaviour, stages proposed when it can). */
  readonly maxSteps: readonly number[] | undefined;
  /** One per goal, or empty. */
  readonly energyThresholds: readonly number[];
  readonly timeoutS: number;
  /** Empty, or the proposer's stage each goal shows: the proposer fills in the others (when the node's is on). */
  readonly stageNames: readonly string[];
  /** What the goals came from, for logs. */
  readonly sources: readonly string[];
}

/** Feedback after every plan. */
export interface PickPlaceFeedback {
  readonly subgoalIndex: number;
  readonly subgoalCount: number;
  readonly energy: number;
  readonly latentDistance: number;
  readonly statusCode: number;
  readonly statusName: string;
  readonly statusMessage: string;
  readonly planTimeMs: number;
  readonly steps: number;
  readonly elapsedS: number;
}

/** The result. */
export interface PickPlaceResult {
  readonly outcome: number;
  readonly outcomeName: PickPlaceOutcomeName;
  readonly message: string;
  readonly steps: number;
  readonly elapsedS: number;
  readonly finalEnergy: number;
}

/** What the checks need from the node. */
export interface GoalCheckContext {
  readonly manifest: Manifest | undefined;
  /** Why there is no model, when there is none. */
  readonly modelProblem?: string;
  readonly goalDir: string;
  /** The latest frame of each view the model takes, or undefined while one is missing. */
  readonly currentFrames: readonly CameraFrame[] | undefined;
  /** Set once the node is shutting down. */
  readonly closed: boolean;
}

/** Checks a goal at goal time: the goal to run, or why it is rejected. Never throws. */
export function checkPickPlaceGoal(req: PickPlaceGoalRequest, ctx: GoalCheckContext): { goal: CheckedGoal } | { reason: string } {
  if (ctx.closed) return { reason: 'the planner node is shutting down' };
  const m = ctx.manifest;
  if (!m) return { reason: `no world model loaded: ${ctx.modelProblem ?? 'unknown reason'}` };
  const problem = countProblem(req);
  if (problem) return { reason: problem };
  const names = req.stageNames ?? [];
  const mismatch = names.length > 0 && m.subgoalProposer ? stageMismatch(m.subgoalProposer.stages, names) : undefined;
  if (mismatch) return { reason: `stage_names: ${mismatch}` };
  const count = goalCount(req);
  try {
    const images: RgbImage[] = [];
    const sources: string[] = [];
    if (req.useCurrentFrame) {
      if (!ctx.currentFrames) return { reason: 'use_current_frame: no camera frame received yet' };
      images.push(modelFrame(m, ctx.currentFrames.map(frameToRgb)));
      sources.push('current frame');
    }
    for (const [i, image] of req.images.entries()) {
      if (image.width === 0 || image.height === 0 || image.data.length === 0) return { reason: `images[${i}] is empty` };
      try {
        images.push(goalFrame(m, copyOf(rawToRgb(image))));
      } catch (error) {
        return { reason: `images[${i}]: ${(error as Error).message}` };
      }
      sources.push(`images[${i}]`);
    }
    for (const name of req.fileNames) {
      images.push(goalFrame(m, readGoalFileSync(ctx.goalDir, name)));
      sources.push(name);
    }
    return {
      goal: {
        images,
        maxSteps: req.maxSteps.length === count ? [...req.maxSteps] : undefined,
        energyThresholds: [...req.energyThresholds],
        timeoutS: req.timeoutS,
        stageNames: [...names],
        sources,
      },
    };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

/** Goals in a request. */
function goalCount(req: PickPlaceGoalRequest): number {
  return req.images.length + req.fileNames.length + (req.useCurrentFrame ? 1 : 0);
}

/** Why the request's counts, budgets, thresholds or timeout cannot be taken (before any image is read). */
function countProblem(req: PickPlaceGoalRequest): string | undefined {
  const count = goalCount(req);
  if (count === 0) return 'no goals given (give images, file_names or use_current_frame)';
  if (req.useCurrentFrame && count > 1) return 'use_current_frame takes no images or file_names';
  if (req.maxSteps.length !== 0 && req.maxSteps.length !== count)
    return `max_steps has ${req.maxSteps.length} entries for ${count} goals (give none or one each)`;
  const bad = req.maxSteps.findIndex((n) => !Number.isSafeInteger(n) || n < 1);
  if (bad >= 0) return `max_steps[${bad}] must be >= 1, got ${req.maxSteps[bad]}`;
  if (req.energyThresholds.length !== 0 && req.energyThresholds.length !== count)
    return `energy_thresholds has ${req.energyThresholds.length} entries for ${count} goals (give none or one each)`;
  const named = req.stageNames?.length ?? 0;
  if (named !== 0 && named !== count) return `stage_names has ${named} entries for ${count} goals (give none or one each)`;
  if (!Number.isFinite(req.timeoutS) || req.timeoutS < 0) return `timeout_s must be >= 0 (0 = no limit), got ${req.timeoutS}`;
  return undefined;
}

/** rawToRgb may return a view of the message's buffer: keep a copy of our own. */
function copyOf(image: RgbImage): RgbImage {
  return { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
}

/** A checked goal's encoded subgoals, and the goals whose stages the model's proposer fills in (when it does). */
export interface EncodedGoal {
  readonly subgoals: Subgoal<Latents>[];
  readonly proposeFrom?: PendingStages;
}

/**
 * Encodes a checked goal's images into subgoals with the node's defaults where the goal gives
 * none. With the node's proposer on, a single goal without budgets is split into the proposer's
 * stages, and goals named by stage have the stages between them filled in.
 */
export async function encodeGoal(
  model: WorldModel,
  params: Pick<ParamValues, 'goal_max_steps' | 'goal_energy_threshold' | 'propose_stages'>,
  goal: CheckedGoal,
): Promise<EncodedGoal> {
  const latents: Latents[] = [];
  for (const image of goal.images) latents.push(await model.encodeGoal(image));
  const single = latents.length === 1 && goal.maxSteps === undefined;
  const subgoals = latents.map((z, i): Subgoal<Latents> => {
    const t = goal.energyThresholds[i] ?? (single ? params.goal_energy_threshold : 0);
    return { goal: z, maxSteps: goal.maxSteps?.[i] ?? params.goal_max_steps, ...(t > 0 ? { energyThreshold: t } : {}) };
  });
  const named = goal.stageNames.length > 0;
  const proposer = single || named ? stageProposer(model, params) : undefined;
  if (!proposer) return { subgoals };
  const proposeFrom: PendingStages = named
    ? { names: goal.stageNames, goals: latents, ...(goal.maxSteps ? { maxSteps: goal.maxSteps } : {}), energyThresholds: goal.energyThresholds }
    : singleGoalStages(latents[0] as Latents);
  return { subgoals, proposeFrom };
}
