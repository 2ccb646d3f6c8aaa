/**
 * The built-in simulator node's behaviour, free of ROS: it receives commands as a robot driver
 * does and steps the tabletop once per control period, publishing what it sees stamped with the
 * end of the simulated interval. Commands are executed exactly once:
 * - twists are integrated over the simulator's own time from their header stamps (a twist holds
 *   from its stamp to the next twist's stamp, at most `commandTimeoutS`), so a stream of
 *   delta/period for one period moves the tool by the delta whatever the timers' phases; a
 *   command that arrives after its stamp was simulated is caught up at the next step;
 * - a pose or joint target is applied once, at the next step;
 * - a finger position is applied once;
 * - franka_gripper goals (Move, Grasp, Homing) drive the fingers step by step ({@link SimFrankaGripper}).
 * src/ros/sim-shell.ts wires it to rclnodejs; the through-node loop wires it to the planner node
 * on a virtual clock.
 */
import type { Appearance } from '../../sim/appearance.js';
import type { Observation, TabletopSim } from '../../sim/tabletop.js';

/** The simulator a simulator node drives, and what one step of it observes (for the ROS shell, which does not import sim/). */
export type { TabletopSim as SimWorld, Observation as SimObservation };
import type { RawImage } from '../model/image.js';
import type { ToolPose } from '../robot/commands.js';
import { rotationFromVector, matrixToEuler } from '../robot/euler.js';
import { ARM_JOINT_SUFFIXES, FINGER_TRAVEL } from '../robot/panda-kinematics.js';
import { matrixToQuaternion } from '../robot/quaternion.js';
import { actionFromJointTarget, actionFromPoseTarget, gripperDeltaFromFinger } from './command-to-action.js';
import { ACTION_LAYOUT } from '../core/action-space.js';
import { SimFrankaGripper } from './sim-gripper.js';

/** A twist holds at most this long after its stamp unless configured otherwise (s): the simulator node's default. */
export const DEFAULT_COMMAND_TIMEOUT_S = 0.5;
/** Seconds of twist history kept for late-arriving commands. */
const TWIST_HISTORY_S = 5;

/** A twist command: velocities (m/s, rad/s, base frame) from `stampS`. */
interface TwistSegment {
  readonly stampS: number;
  readonly v: readonly number[];
}

/** What the simulator node publishes after a step, all stamped {@link SimReadings}.stampS. */
export interface SimReadings {
  readonly stampS: number;
  /** Camera frame (rgb8). */
  readonly image: RawImage;
  /** The hand camera's frame (rgb8), when the simulator draws it. */
  readonly wristImage?: RawImage;
  /** Tool-centre pose (base frame). */
  readonly pose: ToolPose;
  /** Arm joints then the two finger joints (m each). */
  readonly jointNames: string[];
  readonly jointPositions: number[];
}

/** Options of {@link SimNodeCore}. */
export interface SimNodeOptions {
  /** Seconds simulated per step. */
  readonly periodS: number;
  /** A twist holds at most this long after its stamp (the arm stops when commands stop). */
  readonly commandTimeoutS: number;
  /** Where each layout seed puts the camera (a camera jittered per seed, as `eval` jitters it); absent: it stays. */
  readonly cameraFor?: (seed: number) => Appearance['camera'];
}

/** The simulator node (see the file comment). */
export class SimNodeCore {
  private twists: TwistSegment[] = [];
  /** Displacement [6] of twists already folded out of the history. */
  private folded = [0, 0, 0, 0, 0, 0];
  /** Displacement [6] already executed. */
  private applied = [0, 0, 0, 0, 0, 0];
  private poseTarget: ToolPose | undefined;
  private jointTarget: number[] | undefined;
  private finger: number | undefined;
  private lastObservation: Observation;
  /** Sim time of the last step (s). */
  private simulatedUntil: number;
  /** The franka_gripper goals the node serves (Move, Grasp, Homing). */
  readonly gripper: SimFrankaGripper;

  constructor(
    readonly sim: TabletopSim,
    private readonly o: SimNodeOptions,
    seed: number,
    startS: number,
  ) {
    this.lastObservation = this.layout(seed);
    this.simulatedUntil = startS;
    this.gripper = new SimFrankaGripper(o.periodS);
  }

  /** The measured opening between the fingers now (m). */
  fingerWidth(): number {
    return 2 * FINGER_TRAVEL * (1 - this.sim.fingerClosedness());
  }

  /** The latest observation (stamped {@link stampS}). */
  get observation(): Observation {
    return this.lastObservation;
  }

  /** Time the latest observation shows (s). */
  get stampS(): number {
    return this.simulatedUntil;
  }

  /** The camera frame, tool pose and joint states the node publishes now (joint names with `prefix`). */
  readings(prefix: string): SimReadings {
    const obs = this.lastObservation;
    const tcp = this.sim.tcpPose();
    const joints = Array.from(this.sim.jointPositions());
    const opening = FINGER_TRAVEL * (1 - obs.fingerClosedness);
    return {
      stampS: this.simulatedUntil,
      image: { width: obs.width, height: obs.height, encoding: 'rgb8', step: obs.width * 3, data: obs.rgb },
      ...(obs.wristRgb ? { wristImage: { width: obs.width, height: obs.height, encoding: 'rgb8', step: obs.width * 3, data: obs.wristRgb } } : {}),
      pose: { position: [tcp.position[0] as number, tcp.position[1] as number, tcp.position[2] as number], orientation: matrixToQuaternion(tcp.rotation) },
      jointNames: [...ARM_JOINT_SUFFIXES.map((suffix) => `${prefix}${suffix}`), `${prefix}finger_joint1`, `${prefix}finger_joint2`],
      jointPositions: [...joints, opening, opening],
    };
  }

  /** A twist command stamped `stampS` (the header stamp; the arrival time when unstamped). */
  onTwist(linear: readonly number[], angular: readonly number[], stampS: number): void {
    const v = [...linear, ...angular];
    if (!v.every(Number.isFinite) || !Number.isFinite(stampS)) return;
    this.twists.push({ stampS, v });
    this.twists.sort((a, b) => a.stampS - b.stampS);
  }

  /** A pose target, applied once at the next step. */
  onPoseTarget(pose: ToolPose): void {
    this.poseTarget = pose;
  }

  /** A joint target (7 arm joints), applied once at the next step. */
  onJointTarget(q: readonly number[]): void {
    this.jointTarget = [...q];
  }

  /** A finger position (m, each finger), applied once at the next step. */
  onFinger(position: number): void {
    if (Number.isFinite(position)) this.finger = position;
  }

  /** Back to a layout; commands are forgotten. */
  reset(seed: number, nowS: number): Observation {
    this.twists = [];
    this.folded = [0, 0, 0, 0, 0, 0];
    this.applied = [0, 0, 0, 0, 0, 0];
    this.poseTarget = undefined;
    this.jointTarget = undefined;
    this.finger = undefined;
    this.gripper.abandon('simulator reset');
    this.simulatedUntil = nowS;
    this.lastObservation = this.layout(seed);
    return this.lastObservation;
  }

  /** The simulator at a layout seed, its camera where that seed puts it (the options' cameraFor). */
  private layout(seed: number): Observation {
    if (this.o.cameraFor) this.sim.setAppearance({ camera: this.o.cameraFor(seed) });
    return this.sim.reset(seed);
  }

  /** Simulates up to `nowS` (one control period of physics) and returns what it shows. */
  step(nowS: number): Observation {
    const tool = this.sim.tcpPose();
    const commanded = this.twistDisplacement(nowS);
    const delta = commanded.map((c, i) => c - (this.applied[i] as number));
    this.applied = commanded;
    const [r, p, y] = matrixToEuler(rotationFromVector([delta[3] as number, delta[4] as number, delta[5] as number]));
    const action = [delta[0] as number, delta[1] as number, delta[2] as number, r, p, y, 0];
    const target = this.poseTarget ? actionFromPoseTarget(tool, this.poseTarget) : this.jointTarget ? actionFromJointTarget(tool, this.jointTarget) : undefined;
    if (target) for (let i = 0; i < 6; i++) action[i] = (action[i] as number) + (target[i] as number);
    this.poseTarget = undefined;
    this.jointTarget = undefined;
    if (this.finger !== undefined) {
      this.gripper.abandon('superseded by a finger position command');
      action[ACTION_LAYOUT.gripper] = gripperDeltaFromFinger(this.finger, this.sim.gripperCommand);
    } else {
      const closedness = this.gripper.command();
      if (closedness !== undefined) action[ACTION_LAYOUT.gripper] = closedness - this.sim.gripperCommand;
    }
    this.finger = undefined;
    this.simulatedUntil = nowS;
    this.lastObservation = this.sim.step(action);
    this.gripper.observe(this.fingerWidth());
    this.fold(nowS);
    return this.lastObservation;
  }

  /** Displacement [6] the twists command from the start up to time t. */
  private twistDisplacement(t: number): number[] {
    const out = [...this.folded];
    this.twists.forEach((s, k) => {
      const next = this.twists[k + 1]?.stampS ?? Infinity;
      const dt = Math.max(0, Math.min(t, next, s.stampS + this.o.commandTimeoutS) - s.stampS);
      for (let i = 0; i < 6; i++) out[i] = (out[i] as number) + (s.v[i] as number) * dt;
    });
    return out;
  }

  /** Folds twists that ended long ago into `folded` so the history stays short. */
  private fold(now: number): void {
    while (this.twists.length >= 2) {
      const [first, second] = this.twists as [TwistSegment, TwistSegment];
      if (second.stampS > now - TWIST_HISTORY_S) break;
      const dt = Math.max(0, Math.min(second.stampS, first.stampS + this.o.commandTimeoutS) - first.stampS);
      this.folded = this.folded.map((f, i) => f + (first.v[i] as number) * dt);
      this.twists.shift();
    }
  }
}
