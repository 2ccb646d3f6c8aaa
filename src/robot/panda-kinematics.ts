/**
 * Franka Emika Panda forward kinematics from its modified (Craig) Denavit–Hartenberg parameters,
 * and the geometric Jacobian of the tool centre point. Pure TypeScript; the simulator builds its
 * MuJoCo bodies from the same table, so this model and the physics agree exactly.
 *
 * Each row i gives the transform from frame i−1 to frame i:
 * T = Rx(alpha)·Tx(a)·Rz(q_i)·Tz(d). The flange row has no joint. The hand is rotated −45° about
 * the flange z axis and the tool centre point (between the fingertips) lies 0.1034 m further along z.
 */
import type { Mat3 } from './euler.js';

/** One modified-DH row. */
export interface DhRow {
  /** Link length a (m), along the previous x axis. */
  a: number;
  /** Link offset d (m), along the new z axis. */
  d: number;
  /** Link twist alpha (rad), about the previous x axis. */
  alpha: number;
}

/** Rows for joints 1..7 (index 0..6) followed by the flange (index 7). */
export const PANDA_DH: readonly DhRow[] = [
  { a: 0, d: 0.333, alpha: 0 },
  { a: 0, d: 0, alpha: -Math.PI / 2 },
  { a: 0, d: 0.316, alpha: Math.PI / 2 },
  { a: 0.0825, d: 0, alpha: Math.PI / 2 },
  { a: -0.0825, d: 0.384, alpha: -Math.PI / 2 },
  { a: 0, d: 0, alpha: Math.PI / 2 },
  { a: 0.088, d: 0, alpha: Math.PI / 2 },
  { a: 0, d: 0.107, alpha: 0 },
];

/** Number of arm joints. */
export const PANDA_DOF = 7;

/** Lower joint limits (rad). */
export const PANDA_Q_MIN: readonly number[] = [-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973];
/** Upper joint limits (rad). */
export const PANDA_Q_MAX: readonly number[] = [2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973];

/**
 * The "ready" posture (libfranka / franka_ros): tool pointing straight down at
 * (0.307, 0, 0.487) m in the base frame with the flange −45° hand mounting.
 */
export const PANDA_READY_Q: readonly number[] = [0, -Math.PI / 4, 0, (-3 * Math.PI) / 4, 0, Math.PI / 2, Math.PI / 4];

/** Hand rotation about the flange z axis (rad). */
export const HAND_YAW = -Math.PI / 4;
/** Distance from the flange to the tool centre point along the hand z axis (m). */
export const TCP_OFFSET = 0.1034;
/** Travel of each finger (m): 0 closed, 0.04 fully open. */
export const FINGER_TRAVEL = 0.04;

/** Result of {@link forwardKinematics}. */
export interface PandaFk {
  /** Tool centre point position in the base frame (m) [3]. */
  position: Float64Array;
  /** Tool orientation, row-major 3x3 [9]; column 2 is the approach (z) axis. */
  rotation: Mat3;
  /** World origins of joint frames 1..7, [7*3]. */
  jointOrigins: Float64Array;
  /** World z axes (rotation axes) of joint frames 1..7, [7*3]. */
  jointAxes: Float64Array;
}

/** A 4x4 homogeneous transform, row-major, as 12 numbers (the last row is implied). */
type Affine = Float64Array;

function affineMul(a: Affine, b: Affine, out: Affine): Affine {
  for (let i = 0; i < 3; i++) {
    const a0 = a[4 * i] ?? 0;
    const a1 = a[4 * i + 1] ?? 0;
    const a2 = a[4 * i + 2] ?? 0;
    const a3 = a[4 * i + 3] ?? 0;
    for (let j = 0; j < 4; j++) {
      out[4 * i + j] = a0 * (b[j] ?? 0) + a1 * (b[4 + j] ?? 0) + a2 * (b[8 + j] ?? 0) + (j === 3 ? a3 : 0);
    }
  }
  return out;
}

/** Rx(alpha)·Tx(a)·Rz(theta)·Tz(d) as an affine transform. */
function dhTransform(row: DhRow, theta: number, out: Affine): Affine {
  const ct = Math.cos(theta);
  const st = Math.sin(theta);
  const ca = Math.cos(row.alpha);
  const sa = Math.sin(row.alpha);
  out[0] = ct;
  out[1] = -st;
  out[2] = 0;
  out[3] = row.a;
  out[4] = st * ca;
  out[5] = ct * ca;
  out[6] = -sa;
  out[7] = -sa * row.d;
  out[8] = st * sa;
  out[9] = ct * sa;
  out[10] = ca;
  out[11] = ca * row.d;
  return out;
}

/**
 * Forward kinematics of the tool centre point.
 * @param q joint angles [7] (rad).
 * @throws RangeError when q does not have 7 entries.
 */
export function forwardKinematics(q: ArrayLike<number>): PandaFk {
  if (q.length !== PANDA_DOF) throw new RangeError(`expected ${PANDA_DOF} joint angles, got ${q.length}`);
  let t: Affine = Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0);
  let tmp: Affine = new Float64Array(12);
  const link: Affine = new Float64Array(12);
  const jointOrigins = new Float64Array(3 * PANDA_DOF);
  const jointAxes = new Float64Array(3 * PANDA_DOF);
  for (let i = 0; i < PANDA_DH.length; i++) {
    const row = PANDA_DH[i] as DhRow;
    const theta = i < PANDA_DOF ? (q[i] as number) : 0;
    affineMul(t, dhTransform(row, theta, link), tmp);
    [t, tmp] = [tmp, t];
    if (i < PANDA_DOF) {
      jointOrigins.set([t[3] ?? 0, t[7] ?? 0, t[11] ?? 0], 3 * i);
      jointAxes.set([t[2] ?? 0, t[6] ?? 0, t[10] ?? 0], 3 * i);
    }
  }
  // Hand: Rz(HAND_YAW) then TCP_OFFSET along z.
  const c = Math.cos(HAND_YAW);
  const s = Math.sin(HAND_YAW);
  const hand: Affine = Float64Array.of(c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, TCP_OFFSET);
  affineMul(t, hand, tmp);
  const position = Float64Array.of(tmp[3] ?? 0, tmp[7] ?? 0, tmp[11] ?? 0);
  const rotation = Float64Array.of(tmp[0] ?? 0, tmp[1] ?? 0, tmp[2] ?? 0, tmp[4] ?? 0, tmp[5] ?? 0, tmp[6] ?? 0, tmp[8] ?? 0, tmp[9] ?? 0, tmp[10] ?? 0);
  return { position, rotation, jointOrigins, jointAxes };
}

/**
 * Geometric Jacobian of the tool centre point, [6 x 7] row-major: rows 0–2 linear velocity
 * (m/s per rad/s), rows 3–5 angular velocity, all in the base frame.
 * @param fk the forward kinematics at the same q (pass it to avoid recomputing).
 */
export function tcpJacobian(fk: PandaFk): Float64Array {
  const jac = new Float64Array(6 * PANDA_DOF);
  const p = fk.position;
  for (let i = 0; i < PANDA_DOF; i++) {
    const zx = fk.jointAxes[3 * i] ?? 0;
    const zy = fk.jointAxes[3 * i + 1] ?? 0;
    const zz = fk.jointAxes[3 * i + 2] ?? 0;
    const rx = (p[0] ?? 0) - (fk.jointOrigins[3 * i] ?? 0);
    const ry = (p[1] ?? 0) - (fk.jointOrigins[3 * i + 1] ?? 0);
    const rz = (p[2] ?? 0) - (fk.jointOrigins[3 * i + 2] ?? 0);
    jac[i] = zy * rz - zz * ry;
    jac[PANDA_DOF + i] = zz * rx - zx * rz;
    jac[2 * PANDA_DOF + i] = zx * ry - zy * rx;
    jac[3 * PANDA_DOF + i] = zx;
    jac[4 * PANDA_DOF + i] = zy;
    jac[5 * PANDA_DOF + i] = zz;
  }
  return jac;
}

/** Clamps joint angles into the Panda limits shrunk by `margin` (rad), in place. */
export function clampToJointLimits(q: Float64Array, margin = 0): Float64Array {
  for (let i = 0; i < PANDA_DOF; i++) {
    const lo = (PANDA_Q_MIN[i] as number) + margin;
    const hi = (PANDA_Q_MAX[i] as number) - margin;
    const v = q[i] as number;
    q[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return q;
}

/** Arm joint name suffixes in kinematic order, matched against fr3_joint1 / panda_joint1 …. */
export const ARM_JOINT_SUFFIXES = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'] as const;

/** Index of each arm joint (kinematic order) in a joint-state name list; -1 where missing. */
export function armJointIndices(names: readonly string[]): number[] {
  return ARM_JOINT_SUFFIXES.map((suffix) => names.findIndex((n) => n.endsWith(suffix) && !n.includes('finger')));
}
