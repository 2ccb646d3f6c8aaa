/**
 * The planner node's behaviour, free of ROS: callbacks only store the latest inputs; one
 * fixed-rate `tick()` checks staleness, starts a plan (in the model's worker, so callbacks keep
 * flowing), runs the safety pipeline on the result, maps it to the configured output and
 * publishes a status every cycle — also while it holds. Services set, sequence, clear, start and
 * stop goals. Nothing here throws into the caller's loop: failures become statuses.
 */
import type { ActionSpace } from '../core/action-space.js';
import { MpcPlanner, type PlannerConfig } from '../core/mpc.js';
import { createRng } from '../core/rng.js';
import { applySafety, rampDown, type SafetyLimits } from '../core/safety.js';
import { PlannerStatus, statusName } from '../core/status.js';
import { SubgoalSequencer, type Subgoal } from '../core/subgoals.js';
import type { Latents } from '../core/types.js';
import type { Logger } from '../log.js';
import { latentDistance } from '../loop/landscape.js';
import { decodePng, rawToRgb, type RawImage, type RgbImage } from '../model/image.js';
import { plannerConfigFor } from '../model/planner-config.js';
import { fingerPosition, gripperStep, jointTargetFromDelta, poseTarget, stateFromPose, twistFromDelta, type ToolPose, type Twist } from '../robot/commands.js';
import { forwardKinematics } from '../robot/panda-kinematics.js';
import { matrixToQuaternion } from '../robot/quaternion.js';
import { readGoalFile } from './goal-files.js';
import { type ParamValues, updateParameters, type UpdateResult } from './parameters.js';
import type { ArmCommand, CameraFrame, NodeModel, NodeOutputs, SecondsClock, StatusReport } from './ports.js';

/** Joint names of the arm in command order, matched by suffix (panda_joint1 / fr3_joint1 …). */
const ARM_JOINT_SUFFIXES = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
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
  readonly model: NodeModel | { readonly error: string };
  readonly params: ParamValues;
  readonly outputs: NodeOutputs;
  readonly clock: SecondsClock;
  /** Absolute goal folder. */
  readonly goalDir: string;
  readonly log: Logger;
}

interface Stamped<T> {
  value: T;
  stamp: number;
}

/** The planner node (see the file comment). */
export class PlannerNode {
  private params: ParamValues;
  private planner: MpcPlanner | undefined;
  private image: Stamped<CameraFrame> | undefined;
  private pose: Stamped<ToolPose> | undefined;
  private joints: Stamped<number[]> | undefined;
  private closedness = 0;
  private closednessKnown = false;
  private sequencer: SubgoalSequencer<Latents> | undefined;
  private goalGeneration = 0;
  private stopped = false;
  private planning: Promise<void> | undefined;
  private stepCount = 0;
  private lastAction: number[] = [];
  private last = { code: PlannerStatus.WAITING_FOR_GOAL as number, message: 'no goal set', energy: NaN, planTimeMs: 0 };
  private streamed: { twist: Twist; until: number } | undefined;
  private publishedVelocity: number[] = [0, 0, 0, 0, 0, 0];
  private holdPublished = false;

  constructor(private readonly deps: PlannerNodeDeps) {
    this.params = deps.params;
    this.rebuildPlanner();
  }

  private get model(): NodeModel | undefined {
    return 'error' in this.deps.model ? undefined : this.deps.model;
  }

  /** The parameters in force. */
  get parameters(): ParamValues {
    return this.params;
  }

  /** Seconds per control step. */
  get periodS(): number {
    return 1 / this.params.control_rate_hz;
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
    const q = ARM_JOINT_SUFFIXES.map((suffix) => names.findIndex((n) => n.endsWith(suffix) && !n.includes('finger')));
    if (q.every((i) => i >= 0)) {
      const joints = q.map((i) => positions[i] as number);
      this.joints = { value: joints, stamp };
      if (this.params.pose_source === 'joints' && joints.every(Number.isFinite)) {
        const fk = forwardKinematics(joints);
        this.pose = { value: { position: [fk.position[0] as number, fk.position[1] as number, fk.position[2] as number], orientation: matrixToQuaternion(fk.rotation) }, stamp };
      }
    }
    const f = names.findIndex((n) => n.endsWith(FINGER_SUFFIX));
    if (f >= 0 && !this.closednessKnown && Number.isFinite(positions[f] as number)) {
      this.closedness = 1 - Math.min(1, Math.max(0, (positions[f] as number) / (this.params.gripper_max_width / 2)));
      this.closednessKnown = true;
    }
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
      const energy = await this.currentEnergy(goal);
      this.deps.log.info({ source: req.fileName ?? (req.useCurrentFrame ? 'current frame' : 'image'), energy, goalGripper: goal.gripperReadout }, 'goal set');
      return { accepted: true, message: `goal set (${budget} steps budget)`, energy };
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
    if (req.energyThresholds.length !== 0 && req.energyThresholds.length !== count) return refuse(`energy_thresholds has ${req.energyThresholds.length} entries for ${count} goals (give none or one each)`);
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

  /** ~/start: resume planning. */
  start(): TriggerResponse {
    this.stopped = false;
    return { success: true, message: this.sequencer ? 'planning resumed' : 'started; waiting for a goal' };
  }

  /** A live parameter update: all accepted or none, with the reason. */
  updateParameters(changes: Record<string, unknown>): UpdateResult {
    const result = updateParameters(this.params, changes);
    if (result.ok) {
      this.params = result.values;
      this.rebuildPlanner();
    }
    return result;
  }

  // ---- the loop ----

  /** One control cycle. Returns once the cycle's decisions are published (a started plan runs on). */
  tick(): void {
    const now = this.deps.clock();
    const hold = this.holdReason(now);
    if (hold) {
      this.setLast(hold.code, hold.message);
      this.hold(now);
    } else if (!this.planning) {
      const generation = this.goalGeneration;
      const frame = this.image as Stamped<CameraFrame>;
      const pose = this.pose as Stamped<ToolPose>;
      this.planning = this.planAndAct(frame.value, pose.value, generation)
        .catch((error: unknown) => {
          // Nothing may escape into the timer: an unexpected failure holds with a status.
          this.setLast(PlannerStatus.INVALID_INPUT, `planning cycle failed: ${(error as Error).message}`);
        })
        .finally(() => {
          this.planning = undefined;
          this.publishStatus(); // report the plan's outcome at once, not a cycle later
        });
    }
    if (!hold) this.streamTwist(now);
    this.publishStatus();
  }

  /** Waits for a plan in flight (tests and shutdown). */
  async idle(): Promise<void> {
    await this.planning;
  }

  private holdReason(now: number): { code: number; message: string } | undefined {
    if (!this.model) return { code: PlannerStatus.MODEL_ERROR, message: `no world model loaded: ${(this.deps.model as { error: string }).error}` };
    if (this.stopped) return { code: PlannerStatus.HOLDING, message: 'stopped by request' };
    if (!this.sequencer) return { code: PlannerStatus.WAITING_FOR_GOAL, message: 'no goal set' };
    if (this.sequencer.done) return { code: PlannerStatus.GOAL_REACHED, message: `all ${this.sequencer.count} goals done` };
    if (!this.image) return { code: PlannerStatus.STALE_IMAGE, message: 'no camera frame received yet' };
    const imageAge = now - this.image.stamp;
    if (imageAge > this.params.image_stale_s) return { code: PlannerStatus.STALE_IMAGE, message: `camera frame is ${imageAge.toFixed(2)} s old (limit ${this.params.image_stale_s} s)` };
    if (!this.pose) return { code: PlannerStatus.STALE_STATE, message: 'no end-effector pose received yet' };
    const poseAge = now - this.pose.stamp;
    if (poseAge > this.params.state_stale_s) return { code: PlannerStatus.STALE_STATE, message: `end-effector pose is ${poseAge.toFixed(2)} s old (limit ${this.params.state_stale_s} s)` };
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
    const model = this.model as NodeModel;
    const planner = this.planner as MpcPlanner;
    const sequencer = this.sequencer as SubgoalSequencer<Latents>;
    const current = sequencer.current;
    if (!current) return;
    let rgb: RgbImage;
    let state: Float32Array;
    try {
      rgb = frameToRgb(frame);
      state = stateFromPose(pose, this.closedness);
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
    const result = await planner.step({ latents, state, goal: current.goal });
    if (generation !== this.goalGeneration) return; // goal changed or stop requested while planning
    this.last.planTimeMs = result.timings.totalMs;
    if (result.status !== PlannerStatus.OK) {
      this.setLast(result.status, result.message, result.energy);
      return;
    }
    const safe = applySafety(result.action, state, this.safetyLimits());
    if (safe.verdict === 'rejected') {
      this.setLast(PlannerStatus.INVALID_INPUT, `action rejected: ${safe.reasons.join(', ')}`, result.energy);
      return;
    }
    this.execute(safe.action, pose);
    this.publishPlanPath(pose, result.plan);
    this.stepCount++;
    const progress = sequencer.record(result.energy);
    if (progress.switched) planner.reset();
    const note = progress.switched ? `; ${progress.done ? 'last goal done' : `next goal ${progress.index + 1}/${sequencer.count}`} (${progress.reason})` : '';
    if (safe.verdict === 'clamped') this.setLast(PlannerStatus.ACTION_CLAMPED, `action clamped: ${safe.reasons.join(', ')}${note}`, result.energy);
    else this.setLast(PlannerStatus.OK, `step ${this.stepCount}${note}`, result.energy);
  }

  private execute(action: Float32Array, pose: ToolPose): void {
    const p = this.params;
    this.lastAction = Array.from(action);
    this.holdPublished = false;
    switch (p.output_mode) {
      case 'twist':
        this.streamed = { twist: twistFromDelta(action, this.periodS), until: this.deps.clock() + this.periodS };
        this.streamTwist(this.deps.clock());
        break;
      case 'pose':
        this.emit({ kind: 'pose', frameId: p.command_frame, pose: poseTarget(pose, action) });
        break;
      case 'joint': {
        const target = jointTargetFromDelta((this.joints as Stamped<number[]>).value, action);
        this.emit({ kind: 'joint', names: this.jointNames(), positions: target.positions, timeFromStartS: this.periodS });
        break;
      }
    }
    const g = gripperStep(this.closedness, action[6] as number, { maxWidth: p.gripper_max_width, speed: p.gripper_speed, force: p.grasp_force, graspThreshold: p.grasp_threshold });
    this.closedness = g.closedness;
    if (p.gripper_mode === 'franka' && g.command) this.deps.outputs.gripper(g.command);
    if (p.gripper_mode === 'joint') this.deps.outputs.gripper({ kind: 'position', position: fingerPosition(g.closedness) });
  }

  /** Twist mode: stream the active twist for one period, then decelerate to zero. */
  private streamTwist(now: number): void {
    if (this.params.output_mode !== 'twist') return;
    const active = this.streamed && now < this.streamed.until ? this.streamed.twist : undefined;
    if (active) {
      this.publishedVelocity = [...active.linear, ...active.angular];
    } else {
      this.streamed = undefined;
      const dt = this.periodS;
      this.publishedVelocity = [...rampDown(this.publishedVelocity.slice(0, 3), this.params.max_decel, dt), ...rampDown(this.publishedVelocity.slice(3), this.params.max_decel * 4, dt)];
    }
    const v = this.publishedVelocity;
    this.emit({ kind: 'twist', frameId: this.params.command_frame, twist: { linear: [v[0] as number, v[1] as number, v[2] as number], angular: [v[3] as number, v[4] as number, v[5] as number] } });
  }

  /** Holding: twist mode ramps to zero; pose/joint modes command the current pose once. */
  private hold(now: number): void {
    this.streamed = undefined;
    if (this.params.output_mode === 'twist') {
      this.streamTwist(now);
      return;
    }
    if (this.holdPublished) return;
    if (this.params.output_mode === 'pose' && this.pose) {
      this.emit({ kind: 'pose', frameId: this.params.command_frame, pose: this.pose.value });
      this.holdPublished = true;
    } else if (this.params.output_mode === 'joint' && this.joints) {
      this.emit({ kind: 'joint', names: this.jointNames(), positions: this.joints.value, timeFromStartS: this.periodS });
      this.holdPublished = true;
    }
  }

  private emit(command: ArmCommand): void {
    this.deps.outputs.command(command);
  }

  private jointNames(): string[] {
    return ARM_JOINT_SUFFIXES.map((s) => `${this.params.joint_prefix}${s}`);
  }

  private publishPlanPath(pose: ToolPose, plan: Float32Array): void {
    const points: [number, number, number][] = [[...pose.position]];
    for (let h = 0; h + 7 <= plan.length; h += 7) {
      const p = points.at(-1) as [number, number, number];
      points.push([p[0] + (plan[h] as number), p[1] + (plan[h + 1] as number), p[2] + (plan[h + 2] as number)]);
    }
    this.deps.outputs.planPath(points);
  }

  private publishStatus(): void {
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

  private safetyLimits(): SafetyLimits {
    const p = this.params;
    return {
      maxStep: [p.max_step_xyz, p.max_step_xyz, p.max_step_xyz, p.max_step_rotation, p.max_step_rotation, p.max_step_rotation, p.max_step_gripper],
      workspaceMin: p.workspace_min as unknown as [number, number, number],
      workspaceMax: p.workspace_max as unknown as [number, number, number],
      maxSpeed: p.max_speed,
      maxAngularSpeed: p.max_angular_speed,
      controlPeriodS: this.periodS,
    };
  }

  private rebuildPlanner(): void {
    const model = this.model;
    if (!model) return;
    const config = plannerConfigFromParams(this.params, model);
    if (config.goalGripperWeight > 0 && !model.manifest.goalReadout) {
      this.deps.log.warn({ goal_gripper_weight: config.goalGripperWeight, model: model.manifest.name }, 'the model has no goal readout: the goal-gripper term stays off');
    }
    this.planner = new MpcPlanner(model, config, { rng: createRng(this.params.planner_seed), clock: () => performance.now() });
  }
}

/** The planner settings the parameters ask for, on the model's rollout graphs. */
export function plannerConfigFromParams(p: ParamValues, model: NodeModel): PlannerConfig {
  const rotation = p.max_step_rotation;
  const space: ActionSpace = {
    lower: [-p.max_step_xyz, -p.max_step_xyz, -p.max_step_xyz, -rotation, -rotation, -rotation, -p.max_step_gripper],
    upper: [p.max_step_xyz, p.max_step_xyz, p.max_step_xyz, rotation, rotation, rotation, p.max_step_gripper],
    pinned: rotation === 0 ? [3, 4, 5] : [],
    gripperIndex: 6,
    gripperSnap: p.gripper_snap,
    gripperMargin: p.gripper_margin,
  };
  const goalGripperWeight = p.goal_gripper_weight < 0 ? model.manifest.planning.goalGripperWeight : p.goal_gripper_weight;
  const base = plannerConfigFor(model.manifest, { optimizer: p.optimizer, samples: p.samples, iterations: p.iterations, elites: p.elites, horizon: p.horizon, warmStart: p.warm_start, goalGripperWeight });
  return { ...base, cem: { ...base.cem, space }, mppi: { ...base.mppi, space } };
}

/** A received camera frame as packed RGB. @throws ImageError for bad frames or unsupported compression. */
export function frameToRgb(frame: CameraFrame): RgbImage {
  if (frame.kind === 'raw') return rawToRgb(frame.image);
  if (!/png/i.test(frame.format)) {
    throw new Error(`compressed image format '${frame.format}' is not supported (publish PNG, or raw sensor_msgs/Image)`);
  }
  return decodePng(frame.data);
}
