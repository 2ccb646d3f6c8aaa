/**
 * The inverse of src/robot/commands.ts, for the built-in simulator's ROS node: commands as a
 * robot driver receives them (a twist held for a control period, a pose target, a joint target,
 * a finger position) turned into the simulator's 7-D end-effector delta action.
 */
import { matrixToEuler, mul3, rotationFromVector, transpose3, type Mat3 } from '../robot/euler.js';
import { forwardKinematics, FINGER_TRAVEL } from '../robot/panda-kinematics.js';
import { quaternionToMatrix } from '../robot/quaternion.js';
import type { ToolPose } from '../robot/commands.js';

/** The tool's current pose as the simulator reports it. */
export interface CurrentTool {
  readonly position: ArrayLike<number>;
  readonly rotation: Mat3;
}

function deltaTo(current: CurrentTool, position: ArrayLike<number>, rotation: Mat3): number[] {
  const [r, p, y] = matrixToEuler(mul3(rotation, transpose3(current.rotation)));
  return [0, 1, 2].map((k) => (position[k] as number) - (current.position[k] as number)).concat([r, p, y, 0]);
}

/** Action that executes a twist (m/s, rad/s, base frame) for `periodS` seconds. */
export function actionFromTwist(linear: ArrayLike<number>, angular: ArrayLike<number>, periodS: number): number[] {
  const w = [0, 1, 2].map((k) => (angular[k] as number) * periodS);
  const [r, p, y] = matrixToEuler(rotationFromVector(w));
  return [0, 1, 2].map((k) => (linear[k] as number) * periodS).concat([r, p, y, 0]);
}

/** Action that moves the tool to a pose target. */
export function actionFromPoseTarget(current: CurrentTool, target: ToolPose): number[] {
  return deltaTo(current, target.position, quaternionToMatrix(target.orientation));
}

/** Action that moves the tool to where the Panda's forward kinematics puts it for a joint target. */
export function actionFromJointTarget(current: CurrentTool, q: ArrayLike<number>): number[] {
  const fk = forwardKinematics(q);
  return deltaTo(current, fk.position, fk.rotation);
}

/** Gripper-closedness change that brings the fingers to `fingerPosition` (m, 0–0.04 each). */
export function gripperDeltaFromFinger(fingerPosition: number, closedness: number): number {
  const target = 1 - Math.min(1, Math.max(0, fingerPosition / FINGER_TRAVEL));
  return target - closedness;
}
