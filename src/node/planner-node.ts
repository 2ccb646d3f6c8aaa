/**
 * The planner node's behaviour, free of ROS: callbacks only store the latest inputs; one
 * fixed-rate `tick()` runs the control cycle of docs/ARCHITECTURE (observe → plan → step → act
 * once) and publishes a status every cycle — also while it holds:
 * 1. observe: a frame and a pose stamped after the previous command finished (+ settle_s);
 * 2. plan in the model's worker (callbacks keep flowing; the arm holds, status PLANNING);
 * 3. the core's control step (gripper settle → safety → subgoal bookkeeping, the same function
 *    the direct loop calls);
 * 4. act exactly once ({@link CommandExecutor}).
 * Services set, sequence, clear, start and stop goals. Nothing here throws into the caller's
 * loop: failures become statuses.
 */
import type { WorldModel } from '../model/world-model.js';
import type { Manifest } from '../model/manifest.js';
import { controlStep } from '../core/control-step.js';
import { inputProblem, MpcPlanner, type PlannerConfig } from '../core/mpc.js';
import { createRng } from '../core/rng.js';
import { safetyLimitsFor, type SafetyLimits } from '../core/safety.js';
import { PlannerStatus, statusName } from '../core/status.js';
import { mergeStages, type StagePlan } from '../core/stages.js';
import { SubgoalSequencer, type Subgoal } from '../core/subgoals.js';
import type { Latents } from '../core/types.js';
import type { Logger } from '../log.js';
import { latentDistance } from '../core/latent-distance.js';
import { decodePng, rawToRgb, type RawImage, type RgbImage } from '../model/image.js';
import { PLANNER_SETTINGS, resolvePlannerConfig, type PlannerSettings } from '../model/planner-settings.js';
import { stateFromPose, type ToolPose } from '../robot/commands.js';
import { armJointIndices, forwardKinematics } from '../robot/panda-kinematics.js';
import { matrixToQuaternion } from '../robot/quaternion.js';
import { CommandExecutor } from './command-executor.js';
import { readGoalFile } from './goal-files.js';
import { type ParamValues, safetySettingsOf, updateParameters, type UpdateResult } from './parameters.js';
import type { CameraFrame, NodeOutputs, Scheduler, SecondsClock, StatusReport } from './ports.js';
import { ACTION_LAYOUT } from '../core/action-space.js';

/** Control period when neither the parameters nor a model give one (s). */
const FALLBACK_PERIOD_S = 0.25;
/** Finger joint name suffix. */
const FINGER_SUFFIX = 'finger_joint1';

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
  /** Energy of the current frame to the new goal (NaN without a frame). */
  readonly energy: number;
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
/** A std_srvs/Trigger response. */
export interface TriggerResponse {
  readonly success: boolean;
  readonly message: string;
}

/** Dependencies of the node. */
export interface PlannerNodeDeps {
  /** The world model, or the reason it could not be loaded (the node runs and reports MODEL_ERROR). */
  readonly model: WorldModel | { readonly error: string };
  readonly params: ParamValues;
  readonly outputs: NodeOutputs;
  readonly clock: SecondsClock;
  /** Ends twist streams on time (see {@link CommandExecutor}). */
  readonly schedule?: Scheduler;
  /** Absolute goal folder. */
  readonly goalDir: string;
  readonly log: Logger;
}

interface Stamped<T> {
  value: T;
  stamp: number;
}

/** The model's subgoal proposer when the node splits a single SetGoal goal into its stages (`propose_stages`), else undefined. */
export function stageProposer(model: WorldModel, params: Pick<ParamValues, 'propose_stages'>): Manifest['subgoalProposer'] {
  return params.propose_stages && model.proposeStages ? model.manifest.subgoalProposer : undefined;
}

/** The planner node (see the file comment). */
export class PlannerNode {
  private params: ParamValues;
  private planner: MpcPlanner | undefined;
  /** Why the parameters' planner settings cannot run on the model (set at start-up), if they cannot. */
  private configError: string | undefined;
  private image: Stamped<CameraFrame> | undefined;
  private pose: Stamped<ToolPose> | undefined;
  private joints: Stamped<number[]> | undefined;
  private readonly executor: CommandExecutor;
  private sequencer: SubgoalSequencer<Latents> | undefined;
  /** A single goal whose stages the model's proposer makes from the first frame planned from. */
  private pendingStages: Latents | undefined;
  private goalGeneration = 0;
  private stopped = false;
  /** After {@link shutdown}: nothing is published any more. */
  private closed = false;
  private planning: { done: Promise<void>; frameStamp: number } | undefined;
  private stepCount = 0;
  private lastAction: number[] = [];
  private last = { code: PlannerStatus.WAITING_FOR_GOAL as number, message: 'no goal set', energy: NaN, planTimeMs: 0 };

  constructor(private readonly deps: PlannerNodeDeps) {
    this.params = deps.params;
    this.executor = new CommandExecutor(
      deps,
      () => this.params,
      () => this.periodS,
    );
    this.rebuildPlanner();
  }

  private get model(): WorldModel | undefined {
    return 'error' in this.deps.model ? undefined : this.deps.model;
  }

  /** The parameters in force. */
  get parameters(): ParamValues {
    return this.params;
  }

  /** Seconds per control step: 1 / control_rate_hz, or the model's control period when that is 0. */
  get periodS(): number {
    if (this.params.control_rate_hz > 0) return 1 / this.params.control_rate_hz;
    return this.model?.manifest.controlPeriodS ?? FALLBACK_PERIOD_S;
  }

  /** Whether a plan is running (tests and virtual-clock harnesses wait for it with {@link idle}). */
  get planInFlight(): boolean {
    return this.planning !== undefined;
  }

  // ---- inputs: store the latest only ----

  /** Camera callback. */
  onImage(frame: CameraFrame, stamp: number): void {
    this.image = { value: frame, stamp };
  }

  /** End-effector pose callback (ignored when the pose comes from joint states). */
  onPose(pose: ToolPose, stamp: number): void {
    if (this.params.pose_source === 'topic') this.pose = { value: pose, stamp };
  }

  /** Joint state callback: arm joints (for joint output) and the finger opening (initial gripper state). */
  onJointState(names: readonly string[], positions: ArrayLike<number>, stamp: number): void {
    const q = armJointIndices(names);
    if (q.every((i) => i >= 0)) {
      const joints = q.map((i) => positions[i] as number);
      this.joints = { value: joints, stamp };
      if (this.params.pose_source === 'joints' && joints.every(Number.isFinite)) {
        const fk = forwardKinematics(joints);
        this.pose = {
          value: { position: [fk.position[0] as number, fk.position[1] as number, fk.position[2] as number], orientation: matrixToQuaternion(fk.rotation) },
          stamp,
        };
      }
    }
    const f = names.findIndex((n) => n.endsWith(FINGER_SUFFIX));
    if (f >= 0) this.executor.observeFingers(positions[f] as number);
  }

  // ---- services ----

  /** SetGoal: one goal from an image, a file in the goal folder, or the current frame. */
  async setGoal(req: SetGoalRequest): Promise<SetGoalResponse> {
    const sources = [req.image !== undefined && req.image.data.length > 0, !!req.fileName, !!req.useCurrentFrame].filter(Boolean).length;
    if (sources !== 1) return { accepted: false, message: 'give exactly one of image, file_name or use_current_frame', energy: NaN };
    const model = this.model;
    if (!model) return { accepted: false, message: `no world model loaded: ${(this.deps.model as { error: string }).error}`, energy: NaN };
    try {
      const rgb = await this.goalImage(req);
      const goal = await model.encodeGoal(rgb);
      const budget = this.params.goal_max_steps;
      const threshold = this.params.goal_energy_threshold;
      this.installGoals([{ goal, maxSteps: budget, ...(threshold > 0 ? { energyThreshold: threshold } : {}) }]);
      const proposer = stageProposer(model, this.params);
      if (proposer) this.pendingStages = goal;
      const energy = await this.currentEnergy(goal);
      this.deps.log.info({ source: req.fileName ?? (req.useCurrentFrame ? 'current frame' : 'image'), energy, goalGripper: goal.gripperReadout }, 'goal set');
      const how = proposer ? `stages ${proposer.stages.join(', ')} from the subgoal proposer (${proposer.steps.join('/')} steps)` : `${budget} steps budget`;
      return { accepted: true, message: `goal set (${how})`, energy };
    } catch (error) {
      return { accepted: false, message: (error as Error).message, energy: NaN };
    }
  }

  /** SetGoalSequence: several goals with a step budget (and optional energy threshold) each. */
  async setGoalSequence(req: SetGoalSequenceRequest): Promise<SetGoalSequenceResponse> {
    const count = req.images.length + req.fileNames.length;
    const refuse = (message: string) => ({ accepted: false, message, goalCount: 0 });
    if (count === 0) return refuse('no goals given');
    if (req.maxSteps.length !== count) return refuse(`max_steps has ${req.maxSteps.length} entries for ${count} goals`);
    if (req.energyThresholds.length !== 0 && req.energyThresholds.length !== count)
      return refuse(`energy_thresholds has ${req.energyThresholds.length} entries for ${count} goals (give none or one each)`);
    const badBudget = req.maxSteps.findIndex((n) => !Number.isSafeInteger(n) || n < 1);
    if (badBudget >= 0) return refuse(`max_steps[${badBudget}] must be >= 1, got ${req.maxSteps[badBudget]}`);
    const model = this.model;
    if (!model) return refuse(`no world model loaded: ${(this.deps.model as { error: string }).error}`);
    try {
      const images = [...req.images.map((image) => ({ image })), ...req.fileNames.map((fileName) => ({ fileName }))];
      const subgoals: Subgoal<Latents>[] = [];
      for (const [i, source] of images.entries()) {
        const goal = await model.encodeGoal(await this.goalImage(source));
        const t = req.energyThresholds[i];
        subgoals.push({ goal, maxSteps: req.maxSteps[i] as number, ...(t !== undefined && t > 0 ? { energyThreshold: t } : {}) });
      }
      this.installGoals(subgoals);
      const goalGripper = subgoals.map((s) => s.goal.gripperReadout);
      this.deps.log.info({ goals: count, budgets: req.maxSteps, ...(goalGripper.some((g) => g !== undefined) ? { goalGripper } : {}) }, 'goal sequence set');
      return { accepted: true, message: `${count} goals set`, goalCount: count };
    } catch (error) {
      return refuse((error as Error).message);
    }
  }

  /** ~/clear_goal: forget the goals and hold. */
  clearGoal(): TriggerResponse {
    this.sequencer = undefined;
    this.pendingStages = undefined;
    this.goalGeneration++;
    this.setLast(PlannerStatus.WAITING_FOR_GOAL, 'goal cleared');
    return { success: true, message: 'goal cleared; holding' };
  }

  /** ~/stop: hold the arm (goals kept). */
  stop(): TriggerResponse {
    this.stopped = true;
    this.goalGeneration++;
    this.setLast(PlannerStatus.HOLDING, 'stopped by request');
    return { success: true, message: 'holding' };
  }

  /**
   * Shutdown: hold the arm at once (a zero twist, or the current pose / joints), drop a plan in
   * flight, report HOLDING, and publish nothing afterwards (the shell then ends the model's worker).
   */
  shutdown(): void {
    if (this.closed) return;
    this.stopped = true;
    this.goalGeneration++;
    this.executor.halt(this.deps.clock(), this.pose?.value, this.joints?.value);
    this.setLast(PlannerStatus.HOLDING, 'shutting down');
    this.publishStatus();
    this.closed = true;
  }

  /** ~/start: resume planning. */
  start(): TriggerResponse {
    this.stopped = false;
    return { success: true, message: this.sequencer ? 'planning resumed' : 'started; waiting for a goal' };
  }

  /** A live parameter update: all accepted or none, with the reason (planner settings must fit the model). */
  updateParameters(changes: Record<string, unknown>): UpdateResult {
    const result = updateParameters(this.params, changes);
    if (!result.ok) return result;
    let config: PlannerConfig | undefined;
    const model = this.model;
    if (model) {
      try {
        config = resolvePlannerConfig(model.manifest, plannerSettingsOf(result.values));
      } catch (error) {
        return { ok: false, reason: (error as Error).message, values: this.params };
      }
    }
    this.params = result.values;
    this.rebuildPlanner(config);
    return result;
  }

  // ---- the loop ----

  /** One control cycle. Returns once the cycle's decisions are published (a started plan runs on). */
  tick(): void {
    if (this.closed) return;
    const now = this.deps.clock();
    const hold = this.holdReason(now);
    if (hold) {
      this.setLast(hold.code, hold.message);
      // Done or without a goal, a running command finishes as planned; faults and stops halt it.
      if (hold.code === PlannerStatus.GOAL_REACHED || hold.code === PlannerStatus.WAITING_FOR_GOAL) this.executor.tick(now);
      else this.executor.hold(now, this.pose?.value, this.joints?.value);
    } else {
      this.executor.tick(now);
      if (this.planning) {
        this.setLast(PlannerStatus.PLANNING, `planning from the frame stamped ${this.planning.frameStamp.toFixed(3)} s; holding`);
      } else if (now >= this.executor.busyUntil) {
        const waiting = this.observationProblem();
        if (waiting) this.setLast(PlannerStatus.WAITING_FOR_OBSERVATION, waiting);
        else this.startPlan();
      }
    }
    this.publishStatus();
  }

  /** Waits for a plan in flight (tests, shutdown and virtual-clock harnesses). */
  async idle(): Promise<void> {
    await this.planning?.done;
  }

  private startPlan(): void {
    const generation = this.goalGeneration;
    const frame = this.image as Stamped<CameraFrame>;
    const pose = this.pose as Stamped<ToolPose>;
    const done = this.planAndAct(frame.value, pose.value, generation)
      .catch((error: unknown) => {
        // Nothing may escape into the timer: an unexpected failure holds with a status.
        this.setLast(PlannerStatus.INVALID_INPUT, `planning cycle failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.planning = undefined;
        this.publishStatus(); // report the plan's outcome at once, not a cycle later
      });
    this.planning = { done, frameStamp: frame.stamp };
  }

  /** Why the latest frame/pose cannot be planned from yet: taken before the last command finished (+ settle). */
  private observationProblem(): string | undefined {
    const after = this.executor.busyUntil + this.params.settle_s;
    if (!Number.isFinite(after)) return undefined;
    const early = [
      ['camera frame', this.image],
      ['pose', this.pose],
      ...(this.params.output_mode === 'joint' ? [['joint states', this.joints] as const] : []),
    ] as const;
    for (const [name, input] of early) {
      if (input && input.stamp < after)
        return `waiting for a ${name} stamped after ${after.toFixed(3)} s (the last command's end + settle_s); latest ${input.stamp.toFixed(3)} s`;
    }
    return undefined;
  }

  private holdReason(now: number): { code: number; message: string } | undefined {
    if (!this.model) return { code: PlannerStatus.MODEL_ERROR, message: `no world model loaded: ${(this.deps.model as { error: string }).error}` };
    if (this.configError) return { code: PlannerStatus.MODEL_ERROR, message: `planner settings do not fit the model: ${this.configError}` };
    if (this.stopped) return { code: PlannerStatus.HOLDING, message: 'stopped by request' };
    if (!this.sequencer) return { code: PlannerStatus.WAITING_FOR_GOAL, message: 'no goal set' };
    if (this.sequencer.done) return { code: PlannerStatus.GOAL_REACHED, message: `all ${this.sequencer.count} goals done` };
    if (!this.image) return { code: PlannerStatus.STALE_IMAGE, message: 'no camera frame received yet' };
    const imageAge = now - this.image.stamp;
    if (imageAge > this.params.image_stale_s)
      return { code: PlannerStatus.STALE_IMAGE, message: `camera frame is ${imageAge.toFixed(2)} s old (limit ${this.params.image_stale_s} s)` };
    if (!this.pose) return { code: PlannerStatus.STALE_STATE, message: 'no end-effector pose received yet' };
    const poseAge = now - this.pose.stamp;
    if (poseAge > this.params.state_stale_s)
      return { code: PlannerStatus.STALE_STATE, message: `end-effector pose is ${poseAge.toFixed(2)} s old (limit ${this.params.state_stale_s} s)` };
    if (this.params.output_mode === 'joint') {
      if (!this.joints) return { code: PlannerStatus.STALE_STATE, message: 'joint output needs joint states; none received yet' };
      const age = now - this.joints.stamp;
      if (age > this.params.state_stale_s) return { code: PlannerStatus.STALE_STATE, message: `joint states are ${age.toFixed(2)} s old` };
      const bad = this.joints.value.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) return { code: PlannerStatus.INVALID_INPUT, message: `joint ${bad + 1} position is ${this.joints.value[bad]}` };
    }
    return undefined;
  }

  private async planAndAct(frame: CameraFrame, pose: ToolPose, generation: number): Promise<void> {
    const model = this.model as WorldModel;
    const planner = this.planner as MpcPlanner;
    const sequencer = this.sequencer as SubgoalSequencer<Latents>;
    let rgb: RgbImage;
    let state: Float32Array;
    try {
      rgb = frameToRgb(frame);
      state = stateFromPose(pose, this.executor.closedness);
    } catch (error) {
      this.setLast(PlannerStatus.INVALID_INPUT, (error as Error).message);
      return;
    }
    let latents: Latents;
    try {
      latents = await model.encode(rgb);
    } catch (error) {
      this.setLast(PlannerStatus.MODEL_ERROR, `encoder failed: ${(error as Error).message}`);
      return;
    }
    if (generation !== this.goalGeneration) return; // goal changed or stop requested while encoding
    // Stages are proposed from the first usable inputs (bad ones are the control step's to report).
    const pending = this.pendingStages;
    if (pending && !inputProblem({ latents, state, goal: pending }) && !(await this.proposeStages(model, latents, state, pending, generation))) return;
    const step = await controlStep(planner, this.sequencer ?? sequencer, { latents, state }, this.safetyLimits(planner));
    if (generation !== this.goalGeneration) return; // goal changed or stop requested while planning
    this.last.planTimeMs = step.planMs;
    if (!step.executed) {
      this.setLast(step.status, step.message, step.energy);
      return;
    }
    this.lastAction = Array.from(step.action);
    this.executor.execute(step.action, pose, this.joints?.value);
    this.publishPlanPath(pose, step.plan);
    this.stepCount++;
    this.setLast(step.status, `step ${this.stepCount}: ${step.message}`, step.energy);
  }

  /**
   * Replaces a single pending goal by the stages the model's proposer makes from this first frame
   * and state. Returns false (with a status) when the plan should not go on this cycle.
   */
  private async proposeStages(model: WorldModel, latents: Latents, state: Float32Array, goal: Latents, generation: number): Promise<boolean> {
    let plan: StagePlan;
    try {
      plan = mergeStages(await (model.proposeStages as NonNullable<WorldModel['proposeStages']>)(latents, state, goal), { names: ['goal'], goals: [goal] });
    } catch (error) {
      this.setLast(PlannerStatus.MODEL_ERROR, `subgoal proposer failed: ${(error as Error).message}`);
      return false;
    }
    if (generation !== this.goalGeneration) return false;
    this.pendingStages = undefined;
    this.sequencer = new SubgoalSequencer(plan.stages.map((g, i) => ({ goal: g, maxSteps: plan.steps[i] as number })));
    this.deps.log.info({ stages: plan.names, budgets: plan.steps, grippers: plan.stages.map((z) => z.gripperReadout) }, 'stages proposed');
    return true;
  }

  private publishPlanPath(pose: ToolPose, plan: Float32Array): void {
    const points: [number, number, number][] = [[...pose.position]];
    for (let h = 0; h + ACTION_LAYOUT.dim <= plan.length; h += ACTION_LAYOUT.dim) {
      const p = points.at(-1) as [number, number, number];
      points.push([p[0] + (plan[h] as number), p[1] + (plan[h + 1] as number), p[2] + (plan[h + 2] as number)]);
    }
    this.deps.outputs.planPath(points);
  }

  private publishStatus(): void {
    if (this.closed) return;
    const report: StatusReport = {
      code: this.last.code,
      codeName: statusName(this.last.code),
      message: this.last.message,
      energy: this.last.energy,
      step: this.stepCount,
      subgoalIndex: this.sequencer?.current?.index ?? this.sequencer?.count ?? 0,
      subgoalCount: this.sequencer?.count ?? 0,
      planTimeMs: this.last.planTimeMs,
      lastAction: this.lastAction,
      provider: this.model?.provider ?? 'none',
    };
    this.deps.outputs.status(report);
  }

  private setLast(code: number, message: string, energy = this.last.energy): void {
    if (code !== this.last.code || message !== this.last.message) {
      const level = code === PlannerStatus.MODEL_ERROR || code === PlannerStatus.INVALID_INPUT ? 'warn' : 'debug';
      this.deps.log[level]({ code: statusName(code), message }, 'planner status');
    }
    this.last = { ...this.last, code, message, energy };
  }

  private installGoals(subgoals: Subgoal<Latents>[]): void {
    this.sequencer = new SubgoalSequencer(subgoals);
    this.pendingStages = undefined;
    this.goalGeneration++;
    this.stepCount = 0;
    this.planner?.reset();
    this.setLast(PlannerStatus.OK, 'goal set; planning', NaN);
  }

  private async goalImage(req: SetGoalRequest): Promise<RgbImage> {
    if (req.fileName) return readGoalFile(this.deps.goalDir, req.fileName);
    if (req.image) return rawToRgb(req.image);
    if (!this.image) throw new Error('no camera frame received yet to use as the goal');
    return frameToRgb(this.image.value);
  }

  private async currentEnergy(goal: Latents): Promise<number> {
    if (!this.image || !this.model) return NaN;
    try {
      return latentDistance(await this.model.encode(frameToRgb(this.image.value)), goal);
    } catch {
      return NaN;
    }
  }

  private safetyLimits(planner: MpcPlanner): SafetyLimits {
    return safetyLimitsFor(planner.optimizerConfig.space, this.periodS, safetySettingsOf(this.params));
  }

  /** A new planner for the parameters in force (`config`: already resolved from them). */
  private rebuildPlanner(resolved?: PlannerConfig): void {
    const model = this.model;
    if (!model) return;
    try {
      const config = resolved ?? resolvePlannerConfig(model.manifest, plannerSettingsOf(this.params));
      this.planner = new MpcPlanner(model, config, { rng: createRng(this.params.planner_seed), clock: () => performance.now() });
      this.configError = undefined;
    } catch (error) {
      this.planner = undefined;
      this.configError = (error as Error).message;
      this.deps.log.error({ reason: this.configError }, 'planner settings do not fit the model; holding');
    }
  }
}

/** The planner settings among the node's parameters (the same names, {@link PLANNER_SETTINGS}). */
export function plannerSettingsOf(p: ParamValues): PlannerSettings {
  return Object.fromEntries(Object.keys(PLANNER_SETTINGS).map((name) => [name, p[name as keyof PlannerSettings]])) as unknown as PlannerSettings;
}

/** A received camera frame as packed RGB. @throws ImageError for bad frames or unsupported compression. */
export function frameToRgb(frame: CameraFrame): RgbImage {
  if (frame.kind === 'raw') return rawToRgb(frame.image);
  if (!/png/i.test(frame.format)) {
    throw new Error(`compressed image format '${frame.format}' is not supported (publish PNG, or raw sensor_msgs/Image)`);
  }
  return decodePng(frame.data);
}
