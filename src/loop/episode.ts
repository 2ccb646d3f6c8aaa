/**
 * The closed loop without ROS: camera frame + end-effector state → world model → planner →
 * simulator, one action per control step, the goal given as image(s) only. Subgoals switch by
 * step budget (and optionally energy). This is what `jepa-mpc demo` and `jepa-mpc eval` run, and
 * what the ROS node does over topics.
 */
import { GRIPPER_INDEX } from '../../sim/action.js';
import type { TabletopSim } from '../../sim/tabletop.js';
import { TASK_THRESHOLDS, type TaskInfo } from '../../sim/tasks.js';
import { MpcPlanner, type MpcStepResult, type PlannerConfig } from '../core/mpc.js';
import { createRng } from '../core/rng.js';
import { PlannerStatus } from '../core/status.js';
import { SubgoalSequencer } from '../core/subgoals.js';
import type { Latents } from '../core/types.js';
import type { RgbImage } from '../model/image.js';
import type { OnnxWorldModel } from '../model/onnx-world-model.js';
import type { GoalSet } from './goals.js';

/** Options of {@link runPlannedEpisode}. */
export interface EpisodeOptions {
  readonly seed: number;
  readonly planner: PlannerConfig;
  /** Seed of the planner's sampling (default: the episode seed). */
  readonly plannerSeed?: number;
  /** Step budget per subgoal (default: the goal set's). */
  readonly subgoalSteps?: readonly number[];
  /** Optional energy thresholds per subgoal for early switching. */
  readonly energyThresholds?: readonly (number | undefined)[];
  /** Stop as soon as the task succeeds (default true; the demo keeps going to show the hold). */
  readonly stopOnSuccess?: boolean;
  /** Keep every frame for recordings (default false). */
  readonly keepFrames?: boolean;
  /** Called after every control step. */
  readonly onStep?: (step: EpisodeStep) => void;
}

/** One control step of a planned episode. */
export interface EpisodeStep {
  readonly step: number;
  readonly subgoal: number;
  readonly action: Float32Array;
  readonly energy: number;
  readonly status: number;
  readonly planMs: number;
  /** The task's metrics and success after the step (tool→cube, lift, held…): simulator truth, for scoring and diagnostics only. */
  readonly task: TaskInfo;
  /** The commanded gripper closedness after the step (the state's gripper entry, 0 open … 1 closed). */
  readonly gripper: number;
}

/** Outcome of a planned episode. */
export interface PlannedEpisode {
  readonly seed: number;
  readonly success: boolean;
  /** Control steps executed. */
  readonly steps: number;
  /** Step at which the task first succeeded, or null. */
  readonly successStep: number | null;
  readonly records: EpisodeStep[];
  /** Steps where the subgoal switched (for plots). */
  readonly switches: number[];
  /** Frames from reset to the last step, when kept. */
  readonly frames: RgbImage[];
  /** Subgoal index per kept frame. */
  readonly frameSubgoals: number[];
  readonly meanPlanMs: number;
  /** The task's final metrics (distances, lift, held), from the simulator: for scoring only. */
  readonly finalTask: TaskInfo;
  /** Whether the cube was ever held at least {@link TASK_THRESHOLDS}.graspLift above the table (grasp achieved). */
  readonly lifted: boolean;
  /** Smallest tool-centre → cube distance after any step (m): how close the fingers got. */
  readonly closestToCube: number;
  /** The goal readout's gripper closedness per goal frame (models with a goal readout; else empty). */
  readonly goalGripper: number[];
  /** Whether the gripper was ever commanded closed (the tasks' {@link TASK_THRESHOLDS}.closed) with the tool within {@link AT_CUBE} of the cube. */
  readonly closedAtCube: boolean;
}

/** Tool-centre → cube distance within which closing the fingers is a grasp attempt (m). */
export const AT_CUBE = 0.02;

function frameOf(o: { rgb: Uint8Array; width: number; height: number }): RgbImage {
  return { width: o.width, height: o.height, data: o.rgb };
}

/**
 * Runs one episode: reset the simulator to the seed's layout, then plan and act from camera
 * frames and the 7-D state until the subgoal budgets are spent (or the task succeeds).
 */
export async function runPlannedEpisode(sim: TabletopSim, model: OnnxWorldModel, goals: GoalSet, o: EpisodeOptions): Promise<PlannedEpisode> {
  const budgets = o.subgoalSteps ?? goals.steps;
  if (budgets.length !== goals.frames.length) {
    throw new RangeError(`${goals.task} has ${goals.frames.length} goal frames but ${budgets.length} subgoal budgets`);
  }
  const goalLatents: Latents[] = [];
  for (const frame of goals.frames) goalLatents.push(await model.encodeGoal(frame));
  const sequencer = new SubgoalSequencer(
    goalLatents.map((goal, i) => ({ goal, maxSteps: budgets[i] as number, ...(o.energyThresholds?.[i] !== undefined ? { energyThreshold: o.energyThresholds[i] as number } : {}) })),
  );
  const planner = new MpcPlanner(model, o.planner, { rng: createRng(o.plannerSeed ?? o.seed), clock: () => performance.now() });
  const stopOnSuccess = o.stopOnSuccess ?? true;

  let obs = sim.reset(o.seed);
  const frames: RgbImage[] = o.keepFrames ? [frameOf({ ...obs, rgb: obs.rgb.slice() })] : [];
  const frameSubgoals: number[] = o.keepFrames ? [0] : [];
  const records: EpisodeStep[] = [];
  const switches: number[] = [];
  let successStep: number | null = obs.task.success ? 0 : null;
  let step = 0;
  while (!sequencer.done && !(stopOnSuccess && successStep !== null)) {
    const current = sequencer.current as NonNullable<typeof sequencer.current>;
    const latents = await model.encode(frameOf(obs));
    const result: MpcStepResult = await planner.step({ latents, state: Float32Array.from(obs.state), goal: current.goal });
    // A planner that could not plan holds the arm (its action is all zeros).
    obs = sim.step(result.action);
    step++;
    if (obs.task.success && successStep === null) successStep = step;
    const progress = sequencer.record(result.energy);
    if (progress.switched) {
      switches.push(step);
      planner.reset();
    }
    const record: EpisodeStep = {
      step,
      subgoal: current.index,
      action: result.action,
      energy: result.energy,
      status: result.status,
      planMs: result.timings.totalMs,
      task: { ...obs.task },
      gripper: obs.state[GRIPPER_INDEX] as number,
    };
    records.push(record);
    if (o.keepFrames) {
      frames.push(frameOf({ ...obs, rgb: obs.rgb.slice() }));
      frameSubgoals.push(Math.min(progress.index, goals.frames.length - 1));
    }
    o.onStep?.(record);
    if (result.status === PlannerStatus.MODEL_ERROR) throw new Error(`planning failed at step ${step}: ${result.message}`);
  }
  const planned = records.filter((r) => r.status === PlannerStatus.OK);
  return {
    seed: o.seed,
    success: successStep !== null,
    steps: step,
    successStep,
    records,
    switches,
    frames,
    frameSubgoals,
    meanPlanMs: planned.length ? planned.reduce((a, r) => a + r.planMs, 0) / planned.length : NaN,
    finalTask: obs.task,
    lifted: records.some((r) => r.task.held && r.task.cubeLift >= TASK_THRESHOLDS.graspLift),
    closestToCube: Math.min(...records.map((r) => r.task.cubeToTcp)),
    closedAtCube: records.some((r) => r.task.cubeToTcp < AT_CUBE && r.gripper >= TASK_THRESHOLDS.closed),
    goalGripper: goalLatents.flatMap((z) => (z.gripperReadout === undefined ? [] : [z.gripperReadout])),
  };
}
