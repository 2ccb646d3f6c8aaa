/**
 * The direct closed loop without ROS: camera frame + end-effector state → world model → the
 * core's control step (plan, gripper settle, safety stages, subgoal bookkeeping: the same
 * function the ROS node calls) → simulator, one action per control period, the simulator waiting
 * for each plan. The goal is given as image(s) only. This is what `jepa-mpc demo` and
 * `jepa-mpc eval` run; `eval --through-node` runs the node itself (through-node.ts).
 */
import { simFrame } from './sim-frame.js';
import type { WorldModel } from '../model/world-model.js';
import { proposeStagePlan } from '../model/stage-proposal.js';
import { GRIPPER_INDEX } from '../../sim/action.js';
import type { Observation, TabletopSim } from '../../sim/tabletop.js';
import { TASK_THRESHOLDS, type TaskInfo } from '../../sim/tasks.js';
import { controlStep, type ControlStepResult } from '../core/control-step.js';
import { activeOptimizer, MpcPlanner, type PlannerConfig } from '../core/mpc.js';
import { createRng } from '../core/rng.js';
import { safetyLimitsFor, type SafetySettings } from '../core/safety.js';
import { PlannerStatus, statusName } from '../core/status.js';
import { SubgoalSequencer } from '../core/subgoals.js';
import type { StagePlan } from '../core/stages.js';
import type { Latents } from '../core/types.js';
import { latentDistance } from '../core/latent-distance.js';
import type { RgbImage } from '../model/image.js';
import { defaultParameters, safetySettingsOf } from '../node/parameters.js';
import { twistFromDelta } from '../robot/commands.js';
import type { GoalSet } from './goals.js';
import { toolPath, worldSnapshot, type EpisodeRecorder, type EpisodeVerdict } from './recorder.js';

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
  /** Safety settings (default: the node's parameter defaults, so both loops run the same pipeline). */
  readonly safety?: SafetySettings;
  /**
   * Let the model's subgoal proposer fill in the stages between the first frame and the given
   * goal images (default false; needs a model with a proposer): from one goal image the planner
   * makes the stages itself ({@link mergeStages}).
   */
  readonly propose?: boolean;
  /**
   * Receives the episode as it runs (default none): the simulator's readings after every step,
   * the planner's status every cycle, each plan's energy, latent distance and tool path, the
   * command as the node would publish it in twist mode, stage changes and the verdict. Stamped
   * with simulated time: the simulator's steps × the model's control period.
   */
  readonly recorder?: EpisodeRecorder;
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
  /** The tool-centre position after the step (m, base frame): simulator truth. */
  readonly tool: readonly [number, number, number];
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
  /** Whether the cube was ever held at least {@link TASK_THRESHOLDS}.graspLift above the table (grasp achieved; {@link TaskInfo}.lifted). */
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

/**
 * After a failed model call: when the model is restarting its worker (it crashed or hung), waits
 * until it is back and says so; false for any other failure. Rejects when the model gives up.
 */
export async function restarted(model: WorldModel): Promise<boolean> {
  if (!model.ready || model.health?.state !== 'restarting') return false;
  await model.ready();
  return true;
}

/** Control cycles allowed per budgeted step before an episode whose plans keep failing is ended. */
const MAX_CYCLES_PER_STEP = 3;

/**
 * Runs one episode: reset the simulator to the seed's layout, then plan and act from camera
 * frames and the 7-D state until the subgoal budgets are spent (or the task succeeds).
 */
export async function runPlannedEpisode(sim: TabletopSim, model: WorldModel, goals: GoalSet, o: EpisodeOptions): Promise<PlannedEpisode> {
  const given: Latents[] = [];
  for (const frame of goals.frames) given.push(await model.encodeGoal(frame));
  let obs = sim.reset(o.seed);
  const {
    stages: goalLatents,
    steps: planned,
    names: stageNames,
  } = o.propose
    ? await proposedPlan(model, simFrame(obs), Float32Array.from(obs.state), goals.names, given)
    : { stages: given, steps: goals.steps, names: goals.names };
  const budgets = o.subgoalSteps ?? planned;
  if (budgets.length !== goalLatents.length) {
    throw new RangeError(`${goals.task} has ${goalLatents.length} stages but ${budgets.length} subgoal budgets`);
  }
  const sequencer = new SubgoalSequencer(
    goalLatents.map((goal, i) => ({
      goal,
      maxSteps: budgets[i] as number,
      ...(o.energyThresholds?.[i] !== undefined ? { energyThreshold: o.energyThresholds[i] as number } : {}),
    })),
  );
  const planner = new MpcPlanner(model, o.planner, { rng: createRng(o.plannerSeed ?? o.seed), clock: () => performance.now() });
  const space = activeOptimizer(o.planner).space;
  const limits = safetyLimitsFor(space, model.manifest.controlPeriodS, o.safety ?? safetySettingsOf(defaultParameters()));
  const stopOnSuccess = o.stopOnSuccess ?? true;
  const maxCycles = MAX_CYCLES_PER_STEP * budgets.reduce((a, b) => a + b, 0);
  const rec = o.recorder;
  const period = model.manifest.controlPeriodS;
  /** Simulated time of an observation (s). */
  const at = (ob: Observation) => ob.step * period;
  rec?.begin({ stampS: 0, seed: o.seed, task: sim.task, stageNames, goals: goals.names.map((name, i) => ({ name, image: goals.frames[i] as RgbImage })) });
  rec?.world(worldSnapshot(sim, obs, at(obs)));
  let lastAction: readonly number[] = [];

  const frames: RgbImage[] = o.keepFrames ? [simFrame(obs, true)] : [];
  const frameSubgoals: number[] = o.keepFrames ? [0] : [];
  const records: EpisodeStep[] = [];
  const switches: number[] = [];
  let successStep: number | null = obs.task.success ? 0 : null;
  let step = 0;
  for (let cycle = 0; cycle < maxCycles && !sequencer.done && !(stopOnSuccess && successStep !== null); cycle++) {
    let latents: Latents;
    try {
      latents = await model.encode(simFrame(obs));
    } catch (error) {
      if (await restarted(model)) continue; // the arm held while the worker came back
      throw error;
    }
    const goal = sequencer.current?.goal;
    const result = await controlStep(planner, sequencer, { latents, state: Float32Array.from(obs.state) }, limits);
    if (result.status === PlannerStatus.MODEL_ERROR) {
      if (await restarted(model)) continue;
      throw new Error(`planning failed at step ${step + 1}: ${result.message}`);
    }
    if (rec) {
      const t = at(obs);
      if (result.executed) lastAction = Array.from(result.action);
      recordCycle(rec, t, period, result, {
        step: step + (result.executed ? 1 : 0),
        stageCount: goalLatents.length,
        lastAction,
        provider: model.provider,
        latentDistance: goal ? latentDistance(latents, goal) : NaN,
        tool: obs.state,
      });
    }
    // A step that could not be planned or was rejected holds the arm for one period and is not counted.
    obs = sim.step(result.action);
    rec?.world(worldSnapshot(sim, obs, at(obs)));
    if (!result.executed) continue;
    step++;
    if (obs.task.success && successStep === null) successStep = step;
    const progress = result.progress as NonNullable<typeof result.progress>;
    if (progress.switched) {
      switches.push(step);
      rec?.stage(progress.index, at(obs));
    }
    const record: EpisodeStep = {
      step,
      subgoal: result.subgoal,
      action: result.action,
      energy: result.energy,
      status: result.status,
      planMs: result.planMs,
      task: { ...obs.task },
      gripper: obs.state[GRIPPER_INDEX] as number,
      tool: [obs.state[0] as number, obs.state[1] as number, obs.state[2] as number],
    };
    records.push(record);
    if (o.keepFrames) {
      frames.push(simFrame(obs, true));
      frameSubgoals.push(Math.min(progress.index, goalLatents.length - 1));
    }
    o.onStep?.(record);
  }
  const episode = summariseEpisode(o.seed, records, switches, successStep, obs.task, goalLatents, frames, frameSubgoals);
  rec?.end(verdictOf(episode), at(obs));
  return episode;
}

/** What a control cycle's recording needs besides its result. */
interface CycleContext {
  /** Actions executed toward the goals, this one included. */
  readonly step: number;
  readonly stageCount: number;
  readonly lastAction: readonly number[];
  readonly provider: string;
  readonly latentDistance: number;
  /** The state planned from [7] (its position starts the tool path). */
  readonly tool: ArrayLike<number>;
}

/**
 * Records one control cycle at `t` as the node would publish it: its status, and for an executed
 * step the plan's figures and tool path and the twist of delta/period for one period, then zero.
 */
function recordCycle(rec: EpisodeRecorder, t: number, period: number, result: ControlStepResult, c: CycleContext): void {
  rec.status(
    {
      code: result.status,
      codeName: statusName(result.status),
      message: result.executed ? `step ${c.step}: ${result.message}` : result.message,
      energy: result.energy,
      step: c.step,
      subgoalIndex: result.progress?.index ?? result.subgoal,
      subgoalCount: c.stageCount,
      planTimeMs: result.planMs,
      lastAction: c.lastAction,
      provider: c.provider,
    },
    t,
  );
  if (Number.isFinite(result.energy)) rec.plan({ stampS: t, energy: result.energy, latentDistance: c.latentDistance });
  if (!result.executed) return;
  rec.planPath(toolPath(c.tool, result.plan), t);
  const frameId = defaultParameters().command_frame;
  rec.command({ kind: 'twist', frameId, twist: twistFromDelta(result.action, period), stampS: t });
  rec.command({ kind: 'twist', frameId, twist: { linear: [0, 0, 0], angular: [0, 0, 0] }, stampS: t + period });
}

/** An episode's verdict for a recording. */
export function verdictOf(e: PlannedEpisode): EpisodeVerdict {
  return { seed: e.seed, success: e.success, steps: e.steps, successStep: e.successStep, lifted: e.lifted, final: e.finalTask };
}

/**
 * The stages an episode plans through when the proposer fills them in: {@link proposeStagePlan}
 * from the first frame (encoded here).
 * @throws Error when the model has no subgoal proposer.
 */
export async function proposedPlan(
  model: WorldModel,
  first: RgbImage,
  state: Float32Array,
  names: readonly string[],
  given: readonly Latents[],
): Promise<StagePlan> {
  return proposeStagePlan(model, await model.encode(first), state, { names, goals: given });
}

/** The episode outcome from its step records (shared with the through-node loop). */
export function summariseEpisode(
  seed: number,
  records: EpisodeStep[],
  switches: number[],
  successStep: number | null,
  finalTask: TaskInfo,
  goalLatents: readonly Latents[],
  frames: RgbImage[] = [],
  frameSubgoals: number[] = [],
): PlannedEpisode {
  return {
    seed,
    success: successStep !== null,
    steps: records.length,
    successStep,
    records,
    switches,
    frames,
    frameSubgoals,
    meanPlanMs: records.length ? records.reduce((a, r) => a + r.planMs, 0) / records.length : NaN,
    finalTask,
    lifted: finalTask.lifted, // sticky within an episode (sim/tasks.ts)
    closestToCube: Math.min(...records.map((r) => r.task.cubeToTcp)),
    closedAtCube: records.some((r) => r.task.cubeToTcp < AT_CUBE && r.gripper >= TASK_THRESHOLDS.closed),
    goalGripper: goalLatents.flatMap((z) => (z.gripperReadout === undefined ? [] : [z.gripperReadout])),
  };
}
