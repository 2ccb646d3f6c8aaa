/**
 * Rotation helpers for the 7-D end-effector state: 3x3 rotation matrices (row-major
 * Float64Array(9)) and EXTRINSIC xyz Euler angles — roll about the fixed x axis, then pitch about
 * the fixed y axis, then yaw about the fixed z axis, so R = Rz(yaw)·Ry(pitch)·Rx(roll).
 */

/** A 3x3 matrix stored row-major in 9 numbers: m[3*row + col]. */
export type Mat3 = Float64Array;

/** Below this |cos(pitch)| the Euler decomposition is treated as gimbal-locked. */
const GIMBAL_EPS = 1e-9;

/**
 * R = Rz(yaw)·Ry(pitch)·Rx(roll) from extrinsic xyz Euler angles (radians).
 * @param out optional 9-element destination.
 */
export function eulerToMatrix(roll: number, pitch: number, yaw: number, out: Mat3 = new Float64Array(9)): Mat3 {
  const cr = Math.cos(roll);
  const sr = Math.sin(roll);
  const cp = Math.cos(pitch);
  const sp = Math.sin(pitch);
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  out[0] = cy * cp;
  out[1] = cy * sp * sr - sy * cr;
  out[2] = cy * sp * cr + sy * sr;
  out[3] = sy * cp;
  out[4] = sy * sp * sr + cy * cr;
  out[5] = sy * sp * cr - cy * sr;
  out[6] = -sp;
  out[7] = cp * sr;
  out[8] = cp * cr;
  return out;
}

/**
 * Extrinsic xyz Euler angles [roll, pitch, yaw] of a rotation matrix; pitch in [-π/2, π/2],
 * roll and yaw in (-π, π]. At gimbal lock (pitch = ±π/2) roll is set to 0.
 */
export function matrixToEuler(r: Mat3): [number, number, number] {
  const r20 = clampUnit(r[6] ?? 0);
  const pitch = Math.asin(-r20);
  if (Math.sqrt(1 - r20 * r20) < GIMBAL_EPS) {
    // Only yaw − roll (pitch = +π/2) or yaw + roll (pitch = −π/2) is defined; put it all in yaw.
    return [0, pitch, Math.atan2(-(r[1] ?? 0), r[4] ?? 1)];
  }
  return [Math.atan2(r[7] ?? 0, r[8] ?? 1), pitch, Math.atan2(r[3] ?? 0, r[0] ?? 1)];
}

/** c = a·b for 3x3 matrices (c may not alias a or b). */
export function mul3(a: Mat3, b: Mat3, out: Mat3 = new Float64Array(9)): Mat3 {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[3 * i + j] = (a[3 * i] ?? 0) * (b[j] ?? 0) + (a[3 * i + 1] ?? 0) * (b[3 + j] ?? 0) + (a[3 * i + 2] ?? 0) * (b[6 + j] ?? 0);
    }
  }
  return out;
}

/** aᵀ of a 3x3 matrix. */
export function transpose3(a: Mat3, out: Mat3 = new Float64Array(9)): Mat3 {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[3 * j + i] = a[3 * i + j] ?? 0;
  }
  return out;
}

/**
 * Rotation vector (axis·angle, radians) of R: the log map, with angle in [0, π].
 * Used as the orientation error of R_target·R_currentᵀ.
 */
export function rotationVector(r: Mat3): [number, number, number] {
  const r00 = r[0] ?? 1;
  const r11 = r[4] ?? 1;
  const r22 = r[8] ?? 1;
  const cosAngle = clampUnit((r00 + r11 + r22 - 1) / 2);
  const angle = Math.acos(cosAngle);
  const vx = (r[7] ?? 0) - (r[5] ?? 0);
  const vy = (r[2] ?? 0) - (r[6] ?? 0);
  const vz = (r[3] ?? 0) - (r[1] ?? 0);
  if (angle < 1e-6) return [vx / 2, vy / 2, vz / 2];
  if (Math.PI - angle < 1e-4) {
    // Near π the antisymmetric part vanishes: read the axis from the symmetric part.
    const x = Math.sqrt(Math.max(0, (r00 + 1) / 2));
    const y = Math.sqrt(Math.max(0, (r11 + 1) / 2));
    const z = Math.sqrt(Math.max(0, (r22 + 1) / 2));
    let axis: [number, number, number];
    if (x >= y && x >= z) axis = [x, ((r[1] ?? 0) + (r[3] ?? 0)) / (4 * x), ((r[2] ?? 0) + (r[6] ?? 0)) / (4 * x)];
    else if (y >= z) axis = [((r[1] ?? 0) + (r[3] ?? 0)) / (4 * y), y, ((r[5] ?? 0) + (r[7] ?? 0)) / (4 * y)];
    else axis = [((r[2] ?? 0) + (r[6] ?? 0)) / (4 * z), ((r[5] ?? 0) + (r[7] ?? 0)) / (4 * z), z];
    const n = Math.hypot(...axis);
    return [(axis[0] / n) * angle, (axis[1] / n) * angle, (axis[2] / n) * angle];
  }
  const k = angle / (2 * Math.sin(angle));
  return [vx * k, vy * k, vz * k];
}

/** Wraps an angle into (-π, π]. */
export function wrapAngle(a: number): number {
  const twoPi = 2 * Math.PI;
  let w = a - twoPi * Math.floor((a + Math.PI) / twoPi);
  if (w <= -Math.PI) w += twoPi;
  return w;
}

function clampUnit(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/** Rotation matrix of a rotation vector (axis·angle, radians): the exponential map (Rodrigues). */
export function rotationFromVector(v: ArrayLike<number>, out: Mat3 = new Float64Array(9)): Mat3 {
  const x = v[0] as number;
  const y = v[1] as number;
  const z = v[2] as number;
  const angle = Math.hypot(x, y, z);
  if (angle < 1e-12) {
    out.set([1, -z, y, z, 1, -x, -y, x, 1]);
    return out;
  }
  const kx = x / angle;
  const ky = y / angle;
  const kz = z / angle;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  out[0] = c + kx * kx * t;
  out[1] = kx * ky * t - kz * s;
  out[2] = kx * kz * t + ky * s;
  out[3] = ky * kx * t + kz * s;
  out[4] = c + ky * ky * t;
  out[5] = ky * kz * t - kx * s;
  out[6] = kz * kx * t - ky * s;
  out[7] = kz * ky * t + kx * s;
  out[8] = c + kz * kz * t;
  return out;
}
