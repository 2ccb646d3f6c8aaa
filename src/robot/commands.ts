/**
 * From a 7-D end-effector delta (Δxyz m, Δroll/pitch/yaw rad as an extrinsic rotation delta
 * R_next·R_nowᵀ, Δgripper closedness) to what a robot takes: a twist spread over the control
 * period (MoveIt Servo), a pose target (impedance controllers, Servo pose commands), joint
 * positions from the project's own Panda IK (Gazebo's joint trajectory controllers), and gripper
 * commands (franka_gripper Move/Grasp or a finger position). Pure functions.
 */
import { eulerToMatrix, matrixToEuler, mul3, rotationVector, type Mat3 } from './euler.js';
import { solveIk } from './ik.js';
import { FINGER_TRAVEL, forwardKinematics } from './panda-kinematics.js';
import { type Quaternion, matrixToQuaternion, quaternionToMatrix } from './quaternion.js';

/** A tool pose: position (m) and orientation. */
export interface ToolPose {
  readonly position: readonly [number, number, number];
  readonly orientation: Quaternion;
}

/** A twist in the base frame: m/s and rad/s. */
export interface Twist {
  readonly linear: [number, number, number];
  readonly angular: [number, number, number];
}

/** The 7-D state [x, y, z, roll, pitch, yaw, gripper] of a tool pose and gripper closedness. */
export function stateFromPose(pose: ToolPose, gripperClosedness: number): Float32Array {
  const [roll, pitch, yaw] = matrixToEuler(quaternionToMatrix(pose.orientation));
  return Float32Array.from([...pose.position, roll, pitch, yaw, gripperClosedness]);
}

function deltaRotation(delta: ArrayLike<number>): Mat3 {
  return eulerToMatrix(delta[3] as number, delta[4] as number, delta[5] as number);
}

/** The constant twist that moves the tool by `delta` over `periodS` seconds. */
export function twistFromDelta(delta: ArrayLike<number>, periodS: number): Twist {
  const w = rotationVector(deltaRotation(delta));
  return {
    linear: [(delta[0] as number) / periodS, (delta[1] as number) / periodS, (delta[2] as number) / periodS],
    angular: [w[0] / periodS, w[1] / periodS, w[2] / periodS],
  };
}

/** The tool pose after applying `delta` to `pose`: p + Δp, R_Δ·R. */
export function poseTarget(pose: ToolPose, delta: ArrayLike<number>): ToolPose {
  const r = mul3(deltaRotation(delta), quaternionToMatrix(pose.orientation));
  return {
    position: [pose.position[0] + (delta[0] as number), pose.position[1] + (delta[1] as number), pose.position[2] + (delta[2] as number)],
    orientation: matrixToQuaternion(r),
  };
}

/** Joint positions reaching a delta, with how well the IK met it. */
export interface JointTarget {
  readonly positions: number[];
  readonly converged: boolean;
  /** Remaining tool position error (m). */
  readonly positionError: number;
}

/**
 * Joint positions that move the Panda's tool centre by `delta` from joint configuration `q`
 * (the tool pose comes from the project's forward kinematics, so it matches the IK).
 */
export function jointTargetFromDelta(q: ArrayLike<number>, delta: ArrayLike<number>): JointTarget {
  const fk = forwardKinematics(q);
  const targetPosition = [0, 1, 2].map((k) => (fk.position[k] as number) + (delta[k] as number));
  const targetRotation = mul3(deltaRotation(delta), fk.rotation);
  const s = solveIk(q, targetPosition, targetRotation, { positionTolerance: 5e-4, rotationTolerance: 5e-3, maxIterations: 200 });
  return { positions: Array.from(s.q), converged: s.converged, positionError: s.positionError };
}

/** Gripper settings (from the node parameters). */
export interface GripperSettings {
  /** Finger opening at closedness 0 (m). */
  readonly maxWidth: number;
  readonly speed: number;
  readonly force: number;
  /** Closedness above which the gripper grasps. */
  readonly graspThreshold: number;
}

/** A franka_gripper command: Grasp (close on an object) or Move (open to a width). */
export type GripperCommand =
  | {
      readonly kind: 'grasp';
      readonly width: number;
      readonly epsilonInner: number;
      readonly epsilonOuter: number;
      readonly speed: number;
      readonly force: number;
    }
  | { readonly kind: 'move'; readonly width: number; readonly speed: number };

/** A Grasp closes on whatever object it meets: width 0 with this inner tolerance, outer up to the max width (m). */
export const GRASP_EPSILON_INNER = 0.005;

/**
 * The commanded closedness after a gripper delta, and the franka_gripper command to send when the
 * command crosses the grasp threshold (none otherwise: the gripper is binary on a real Franka).
 */
export function gripperStep(closedness: number, deltaClosedness: number, s: GripperSettings): { closedness: number; command?: GripperCommand } {
  const next = Math.min(1, Math.max(0, closedness + deltaClosedness));
  const wasClosed = closedness > s.graspThreshold;
  const isClosed = next > s.graspThreshold;
  if (wasClosed === isClosed) return { closedness: next };
  return isClosed
    ? { closedness: next, command: { kind: 'grasp', width: 0, epsilonInner: GRASP_EPSILON_INNER, epsilonOuter: s.maxWidth, speed: s.speed, force: s.force } }
    : { closedness: next, command: { kind: 'move', width: s.maxWidth, speed: s.speed } };
}

/** Position of each simulated finger joint (0–0.04 m opening) for a closedness. */
export function fingerPosition(closedness: number): number {
  return FINGER_TRAVEL * (1 - Math.min(1, Math.max(0, closedness)));
}

/** Gripper closedness from a measured finger opening (total width between the fingers). */
export function closednessFromWidth(width: number, maxWidth: number): number {
  return Math.min(1, Math.max(0, 1 - width / maxWidth));
}
