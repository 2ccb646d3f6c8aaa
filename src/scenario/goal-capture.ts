/**
 * The pure core of `jepa-mpc capture-goals`: the scripted pick-and-place of sim/expert.ts
 * ({@link pickPlaceStep}) fed only by what ROS gives — arm and finger joint states (tool position
 * by the project's forward kinematics), the cube position, the target point — and paced by the
 * robot: each command is followed by a wait until the motion has settled (a minimum dwell in the
 * joint states' own clock, then arm and finger speeds below thresholds). When a settled scene
 * completes a subgoal of the chosen scheme, the core asks for a camera frame newer than the
 * moment of settling (a couple of them, so the renderer has caught up) before the next command.
 * No I/O: the shell (src/ros/capture-shell.ts) turns its answers into messages and files.
 */
import { PICK_PLACE_START, pickPlaceStep, type ExpertOptions, type PickPlaceState, type SubgoalEvent } from '../../sim/expert.js';
import { SUBGOAL_PLANS, type SubgoalScheme } from '../loop/goals.js';

export type { SubgoalEvent, SubgoalScheme };
import { FINGER_TRAVEL, forwardKinematics } from '../robot/panda-kinematics.js';
import { judgePickPlace } from './judge.js';
import { ACTION_LAYOUT } from '../core/action-space.js';

/** File name of each pick-and-place subgoal frame in a goals folder (what `scenario --goals` reads). */
export const GOAL_FILE_NAMES: Readonly<Record<SubgoalEvent, string>> = {
  hover: 'hover.png',
  atCube: 'atcube.png',
  grasped: 'grasped.png',
  nearTarget: 'near.png',
  lowered: 'lowered.png',
  placed: 'placed.png',
};

/** The subgoal frames of pick-and-place under a scheme, in order (from SUBGOAL_PLANS). */
export function goalFrames(scheme: SubgoalScheme): SubgoalEvent[] {
  return SUBGOAL_PLANS['pick-place'][scheme].map((spec) => {
    if (spec.frame === 'last') throw new Error(`pick-place subgoal '${spec.name}' has no recorded frame`);
    return spec.frame;
  });
}

/** The goal image file names of pick-and-place under a scheme, in order. */
export function goalFiles(scheme: SubgoalScheme): string[] {
  return goalFrames(scheme).map((f) => GOAL_FILE_NAMES[f]);
}

/** When a motion counts as settled, and how many fresh frames a capture waits for. */
export interface SettleSettings {
  /** Least time after a command before it can count as done (s, joint-state clock). */
  readonly dwellS: number;
  /** Largest arm joint speed of a settled arm (rad/s). */
  readonly armSpeed: number;
  /** Largest finger speed of settled fingers (m/s). */
  readonly fingerSpeed: number;
  /** Camera frames stamped after the moment of settling before one is kept. */
  readonly freshFrames: number;
}

/**
 * Defaults: a dwell of two periods of the built-in simulator node (0.25 s each), so a command
 * that arrives just after one of its steps has been carried out by the next; speeds well below
 * what a moving arm shows over one such period.
 */
export const SETTLE_DEFAULTS: SettleSettings = { dwellS: 0.5, armSpeed: 0.05, fingerSpeed: 0.005, freshFrames: 2 };

/** One joint state as the core reads it. */
export interface JointSample {
  /** Stamp (s): the message header's, in the robot's clock (simulated time in Gazebo). */
  readonly stampS: number;
  /** Arm joints [7], kinematic order. */
  readonly q: readonly number[];
  /** Mean finger opening (m per finger). */
  readonly fingerOpening: number;
  /** Measured speeds when the message carries velocities; estimated from the previous sample otherwise. */
  readonly armSpeed?: number;
  readonly fingerSpeed?: number;
}

/** What the shell should do now. */
export type CaptureStep =
  | { readonly kind: 'wait'; readonly reason: string }
  /** Keep the latest camera frame as this subgoal's image. */
  | { readonly kind: 'capture'; readonly name: SubgoalEvent; readonly file: string; readonly tcp: number[] }
  /** Move the tool by delta[0..2] from joints q (when armMoves) and command the gripper closedness (when gripperChanges). */
  | {
      readonly kind: 'command';
      readonly q: readonly number[];
      readonly delta: Float64Array;
      readonly armMoves: boolean;
      readonly closedness: number;
      readonly gripperChanges: boolean;
    }
  | { readonly kind: 'done' }
  /** The script ended without a subgoal of the scheme (not expected; reported, not retried). */
  | { readonly kind: 'failed'; readonly reason: string };

/** Options of {@link GoalCapture}. */
export interface GoalCaptureOptions {
  readonly scheme: SubgoalScheme;
  /** Cube-centre height when resting on the table (m). */
  readonly restZ: number;
  /** Fixed target point [3], or undefined to wait for {@link GoalCapture.onTarget}. */
  readonly target?: readonly number[];
  /** Script tuning (alignYaw is always off: the cube's yaw is not read, as with the planner's pinned wrist). */
  readonly expert?: ExpertOptions;
  readonly settle?: Partial<SettleSettings>;
}

/** Translation below which a command does not move the arm (m). */
const MIN_MOVE = 1e-6;
/** Fingers this close to fully open (m) count as open (commanded closedness 0). */
const OPEN_SLACK = 1e-3;

function maxAbs(values: readonly number[]): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** The capture state machine: feed it samples, ask {@link next} once per control tick. */
export class GoalCapture {
  private state: PickPlaceState = PICK_PLACE_START;
  private readonly settle: SettleSettings;
  private readonly wanted: ReadonlySet<SubgoalEvent>;
  private readonly captured = new Map<SubgoalEvent, number[]>();
  private joints?: JointSample & { armSpeed: number; fingerSpeed: number };
  private cube?: number[];
  private target?: number[];
  /** Commanded gripper closedness; starts from the measured fingers. */
  private closedness?: number;
  /** Stamp of the last command (or of the first sample); undefined once settled. */
  private commandStampS?: number;
  /** Stamp of the settled scene whose frames are awaited. */
  private settledStampS = -Infinity;
  private freshFrames = 0;
  private pendingCaptures: { name: SubgoalEvent; tcp: number[] }[] = [];
  private pendingCommand?: Extract<CaptureStep, { kind: 'command' }>;

  constructor(private readonly o: GoalCaptureOptions) {
    this.settle = { ...SETTLE_DEFAULTS, ...o.settle };
    this.wanted = new Set(goalFrames(o.scheme));
    if (o.target) this.target = [...o.target];
  }

  /** The script's current phase. */
  get phase(): string {
    return this.state.phase;
  }

  /** Names of the frames captured so far, in scheme order. */
  capturedNames(): SubgoalEvent[] {
    return goalFrames(this.o.scheme).filter((f) => this.captured.has(f));
  }

  /** Frames of the scheme still to capture. */
  missingNames(): SubgoalEvent[] {
    return goalFrames(this.o.scheme).filter((f) => !this.captured.has(f));
  }

  /** A joint state. Speeds missing from the sample are estimated from the previous one. */
  onJointState(s: JointSample): void {
    const prev = this.joints;
    const dt = prev ? s.stampS - prev.stampS : 0;
    const rate = (now: readonly number[], before: readonly number[]) => maxAbs(now.map((v, i) => (v - (before[i] as number)) / dt));
    // Without a previous sample or with a repeated stamp, an estimate keeps the last one (0 at first).
    const armSpeed = s.armSpeed ?? (prev && dt > 0 ? rate(s.q, prev.q) : (prev?.armSpeed ?? 0));
    const fingerSpeed = s.fingerSpeed ?? (prev && dt > 0 ? rate([s.fingerOpening], [prev.fingerOpening]) : (prev?.fingerSpeed ?? 0));
    this.joints = { ...s, armSpeed, fingerSpeed };
    if (this.closedness === undefined) {
      this.closedness = s.fingerOpening >= FINGER_TRAVEL - OPEN_SLACK ? 0 : 1 - Math.min(1, Math.max(0, s.fingerOpening / FINGER_TRAVEL));
      this.commandStampS = s.stampS; // the robot must be still before the first decision
    }
  }

  /** The cube-centre position [3]. */
  onCube(position: readonly number[]): void {
    this.cube = [...position];
  }

  /** The target point [3] (when it was not fixed). */
  onTarget(position: readonly number[]): void {
    if (!this.o.target) this.target = [...position];
  }

  /** A camera frame arrived with this stamp (s, the robot's clock). */
  onFrame(stampS: number): void {
    if (stampS > this.settledStampS) this.freshFrames++;
  }

  /** What to do now. */
  next(): CaptureStep {
    const j = this.joints;
    if (!j || this.closedness === undefined) return { kind: 'wait', reason: 'joint states' };
    if (!this.cube) return { kind: 'wait', reason: 'the cube pose' };
    if (!this.target) return { kind: 'wait', reason: 'the target pose' };
    const pending = this.pendingCaptures[0];
    if (pending) {
      if (this.freshFrames < this.settle.freshFrames) return { kind: 'wait', reason: 'fresh camera frames' };
      this.pendingCaptures.shift();
      this.captured.set(pending.name, pending.tcp);
      return { kind: 'capture', name: pending.name, file: GOAL_FILE_NAMES[pending.name], tcp: pending.tcp };
    }
    if (this.pendingCommand) return this.send(this.pendingCommand, j.stampS);
    if (this.commandStampS !== undefined) {
      if (j.stampS - this.commandStampS < this.settle.dwellS) return { kind: 'wait', reason: 'the motion (dwell)' };
      if (j.armSpeed > this.settle.armSpeed || j.fingerSpeed > this.settle.fingerSpeed) return { kind: 'wait', reason: 'the motion to settle' };
      this.commandStampS = undefined;
    }
    if (this.state.phase === 'done') {
      const missing = this.missingNames();
      return missing.length ? { kind: 'failed', reason: `the script ended without the ${missing.join(', ')} frame(s)` } : { kind: 'done' };
    }
    return this.decide(j);
  }

  private decide(j: JointSample): CaptureStep {
    const tcp = Array.from(forwardKinematics(j.q).position.slice(0, 3));
    const target = this.target as number[];
    const closedness = this.closedness as number;
    const verdict = judgePickPlace({ tcp, cube: this.cube as number[], target, fingerOpening: j.fingerOpening }, this.o.restZ);
    const d = pickPlaceStep(
      this.state,
      { tcp, cube: this.cube as number[], restZ: this.o.restZ, target, gripper: closedness, yawError: 0, success: verdict?.success ?? false },
      'pick-place',
      { ...this.o.expert, alignYaw: false },
    );
    this.state = d.state;
    const nextClosedness = Math.min(1, Math.max(0, closedness + (d.action[ACTION_LAYOUT.gripper] as number)));
    const command = {
      kind: 'command',
      q: [...j.q],
      delta: d.action,
      armMoves: maxAbs(Array.from(d.action.slice(0, 3))) > MIN_MOVE,
      closedness: nextClosedness,
      gripperChanges: nextClosedness !== closedness,
    } as const;
    this.pendingCaptures = d.reached.filter((e) => this.wanted.has(e)).map((name) => ({ name, tcp }));
    if (this.pendingCaptures.length === 0) return this.send(command, j.stampS);
    // Frames of this settled scene first, then the command.
    this.settledStampS = j.stampS;
    this.freshFrames = 0;
    this.pendingCommand = command;
    return this.next();
  }

  private send(command: Extract<CaptureStep, { kind: 'command' }>, stampS: number): CaptureStep {
    this.pendingCommand = undefined;
    this.closedness = command.closedness;
    if (this.state.phase === 'done' && !command.armMoves && !command.gripperChanges) return this.next();
    this.commandStampS = stampS;
    return command;
  }
}
