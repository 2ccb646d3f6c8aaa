/**
 * Unit quaternions as ROS carries them (x, y, z, w) ↔ row-major rotation matrices.
 */
import type { Mat3 } from './euler.js';

/** A quaternion in ROS order. */
export interface Quaternion {
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly w: number;
}

/**
 * Rotation matrix of a quaternion (normalised first).
 * @throws RangeError for a zero or non-finite quaternion.
 */
export function quaternionToMatrix(q: Quaternion, out: Mat3 = new Float64Array(9)): Mat3 {
  const n = Math.hypot(q.x, q.y, q.z, q.w);
  if (!(n > 1e-12) || !Number.isFinite(n)) throw new RangeError(`quaternion (${q.x}, ${q.y}, ${q.z}, ${q.w}) cannot be normalised`);
  const x = q.x / n;
  const y = q.y / n;
  const z = q.z / n;
  const w = q.w / n;
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - z * w);
  out[2] = 2 * (x * z + y * w);
  out[3] = 2 * (x * y + z * w);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - x * w);
  out[6] = 2 * (x * z - y * w);
  out[7] = 2 * (y * z + x * w);
  out[8] = 1 - 2 * (x * x + y * y);
  return out;
}

/** Quaternion (w ≥ 0) of a rotation matrix (Shepperd's method). */
export function matrixToQuaternion(r: Mat3): Quaternion {
  const m = (i: number) => r[i] as number;
  const trace = m(0) + m(4) + m(8);
  let x: number;
  let y: number;
  let z: number;
  let w: number;
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    w = s / 4;
    x = (m(7) - m(5)) / s;
    y = (m(2) - m(6)) / s;
    z = (m(3) - m(1)) / s;
  } else if (m(0) > m(4) && m(0) > m(8)) {
    const s = Math.sqrt(1 + m(0) - m(4) - m(8)) * 2;
    w = (m(7) - m(5)) / s;
    x = s / 4;
    y = (m(1) + m(3)) / s;
    z = (m(2) + m(6)) / s;
  } else if (m(4) > m(8)) {
    const s = Math.sqrt(1 + m(4) - m(0) - m(8)) * 2;
    w = (m(2) - m(6)) / s;
    x = (m(1) + m(3)) / s;
    y = s / 4;
    z = (m(5) + m(7)) / s;
  } else {
    const s = Math.sqrt(1 + m(8) - m(0) - m(4)) * 2;
    w = (m(3) - m(1)) / s;
    x = (m(2) + m(6)) / s;
    y = (m(5) + m(7)) / s;
    z = s / 4;
  }
  return w < 0 ? { x: -x, y: -y, z: -z, w: -w } : { x, y, z, w };
}
