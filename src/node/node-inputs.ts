/**
 * The planner node's inputs: the latest camera frame of each view, end-effector pose and joint
 * states, each with its stamp. Callbacks only store (latest only: a flood of frames holds one);
 * the node asks whether they are fresh enough to plan from and whether they were taken after the
 * last command. A multi-view model (front and wrist) needs a fresh frame of every view it takes.
 */
import { PlannerStatus } from '../core/status.js';
import { decodePng, rawToRgb, type RgbImage } from '../model/image.js';
import type { ViewName } from '../model/views.js';
import type { ToolPose } from '../robot/commands.js';
import { armJointIndices, forwardKinematics } from '../robot/panda-kinematics.js';
import { matrixToQuaternion } from '../robot/quaternion.js';
import type { ParamValues } from './parameters.js';
import type { CameraFrame } from './ports.js';

/** Finger joint name suffix. */
const FINGER_SUFFIX = 'finger_joint1';

/** A value and the time it was taken (s, node clock). */
export interface Stamped<T> {
  readonly value: T;
  readonly stamp: number;
}

/** A reason to hold: a {@link PlannerStatus} code and its message. */
export interface Hold {
  readonly code: number;
  readonly message: string;
}

/** The latest inputs (see the file comment). */
export class NodeInputs {
  /** The latest frame of each camera view. */
  private readonly images = new Map<ViewName, Stamped<CameraFrame>>();
  pose: Stamped<ToolPose> | undefined;
  joints: Stamped<number[]> | undefined;

  constructor(
    private readonly params: () => ParamValues,
    /** Told the finger opening from each joint state (the initial gripper state). */
    private readonly observeFingers: (position: number) => void,
    /** The views the model takes, in its order. */
    private readonly views: () => readonly ViewName[] = () => ['front'],
  ) {}

  /** Camera callback (the front camera unless `view` says another). */
  onImage(frame: CameraFrame, stamp: number, view: ViewName = 'front'): void {
    this.images.set(view, { value: frame, stamp });
  }

  /** The latest frame of every view the model takes, in its order, or undefined while one is missing. */
  frames(): Stamped<CameraFrame>[] | undefined {
    const frames = this.views().map((v) => this.images.get(v));
    return frames.every((f) => f !== undefined) ? (frames as Stamped<CameraFrame>[]) : undefined;
  }

  /** End-effector pose callback (ignored when the pose comes from joint states). */
  onPose(pose: ToolPose, stamp: number): void {
    if (this.params().pose_source === 'topic') this.pose = { value: pose, stamp };
  }

  /** Joint state callback: arm joints (joint output; the pose when pose_source is 'joints') and the finger opening. */
  onJointState(names: readonly string[], positions: ArrayLike<number>, stamp: number): void {
    const q = armJointIndices(names);
    if (q.every((i) => i >= 0)) {
      const joints = q.map((i) => positions[i] as number);
      this.joints = { value: joints, stamp };
      if (this.params().pose_source === 'joints' && joints.every(Number.isFinite)) {
        const fk = forwardKinematics(joints);
        const position: [number, number, number] = [fk.position[0] as number, fk.position[1] as number, fk.position[2] as number];
        this.pose = { value: { position, orientation: matrixToQuaternion(fk.rotation) }, stamp };
      }
    }
    const f = names.findIndex((n) => n.endsWith(FINGER_SUFFIX));
    if (f >= 0) this.observeFingers(positions[f] as number);
  }

  /** Why the inputs cannot be planned from at `now`: missing, older than the staleness limits, or bad joints. */
  staleness(now: number): Hold | undefined {
    const p = this.params();
    for (const view of this.views()) {
      const image = this.images.get(view);
      const what = frameName(view);
      if (!image) return { code: PlannerStatus.STALE_IMAGE, message: `no ${what} received yet` };
      const imageAge = now - image.stamp;
      if (imageAge > p.image_stale_s)
        return { code: PlannerStatus.STALE_IMAGE, message: `${what} is ${imageAge.toFixed(2)} s old (limit ${p.image_stale_s} s)` };
    }
    if (!this.pose) return { code: PlannerStatus.STALE_STATE, message: 'no end-effector pose received yet' };
    const poseAge = now - this.pose.stamp;
    if (poseAge > p.state_stale_s)
      return { code: PlannerStatus.STALE_STATE, message: `end-effector pose is ${poseAge.toFixed(2)} s old (limit ${p.state_stale_s} s)` };
    if (p.output_mode !== 'joint') return undefined;
    if (!this.joints) return { code: PlannerStatus.STALE_STATE, message: 'joint output needs joint states; none received yet' };
    const age = now - this.joints.stamp;
    if (age > p.state_stale_s) return { code: PlannerStatus.STALE_STATE, message: `joint states are ${age.toFixed(2)} s old` };
    const bad = this.joints.value.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return { code: PlannerStatus.INVALID_INPUT, message: `joint ${bad + 1} position is ${this.joints.value[bad]}` };
    return undefined;
  }

  /** Why the latest inputs cannot be planned from yet: taken before `after` (the last command's end + settle_s). */
  takenBefore(after: number): string | undefined {
    if (!Number.isFinite(after)) return undefined;
    const early = [
      ...this.views().map((v) => [frameName(v), this.images.get(v)] as const),
      ['pose', this.pose],
      ...(this.params().output_mode === 'joint' ? [['joint states', this.joints] as const] : []),
    ] as const;
    for (const [name, input] of early) {
      if (input && input.stamp < after)
        return `waiting for a ${name} stamped after ${after.toFixed(3)} s (the last command's end + settle_s); latest ${input.stamp.toFixed(3)} s`;
    }
    return undefined;
  }
}

/** How statuses name a view's frame: 'camera frame' for the front camera, 'wrist camera frame', … */
function frameName(view: ViewName): string {
  return view === 'front' ? 'camera frame' : `${view} camera frame`;
}

/** A received camera frame as packed RGB. @throws ImageError for bad frames or unsupported compression. */
export function frameToRgb(frame: CameraFrame): RgbImage {
  if (frame.kind === 'raw') return rawToRgb(frame.image);
  if (!/png/i.test(frame.format)) {
    throw new Error(`compressed image format '${frame.format}' is not supported (publish PNG, or raw sensor_msgs/Image)`);
  }
  return decodePng(frame.data);
}
