/**
 * Damped-least-squares inverse kinematics for the Panda tool centre point, with a posture term
 * projected into the Jacobian's null space (so pulling toward a rest posture never fights the
 * task: without the projection the tool stalls above the table) and joint limits enforced.
 */
import { mul3, rotationVector, transpose3, type Mat3 } from './euler.js';
import { clampToJointLimits, forwardKinematics, PANDA_DOF, PANDA_READY_Q, tcpJacobian } from './panda-kinematics.js';

/** Options of {@link dlsStep} and {@link solveIk}; every field has a default. */
export interface IkOptions {
  /** Damping λ of (J Jᵀ + λ² I) (default 0.02). */
  damping?: number;
  /** Weight of the orientation error relative to the position error in metres (default 0.5). */
  rotationWeight?: number;
  /** Rest posture pulled toward in the null space (default {@link PANDA_READY_Q}). */
  restPosture?: ArrayLike<number>;
  /** Gain of the null-space posture pull per step (default 0.02). */
  postureGain?: number;
  /** Largest change of any joint in one step (rad, default 0.2). */
  maxJointStep?: number;
  /** Distance kept from each joint limit (rad, default 0.01). */
  limitMargin?: number;
}

const DEFAULTS = {
  damping: 0.02,
  rotationWeight: 0.5,
  postureGain: 0.02,
  maxJointStep: 0.2,
  limitMargin: 0.01,
} as const;

/** Task-space error [6]: position error (m) then weighted rotation vector of R_target·Rᵀ. */
export function poseError(
  position: ArrayLike<number>,
  rotation: Mat3,
  targetPosition: ArrayLike<number>,
  targetRotation: Mat3,
  rotationWeight: number,
): Float64Array {
  const rv = rotationVector(mul3(targetRotation, transpose3(rotation)));
  return Float64Array.of(
    (targetPosition[0] as number) - (position[0] as number),
    (targetPosition[1] as number) - (position[1] as number),
    (targetPosition[2] as number) - (position[2] as number),
    rv[0] * rotationWeight,
    rv[1] * rotationWeight,
    rv[2] * rotationWeight,
  );
}

/** A = J Jᵀ + λ² I [6x6] for a 6 x n Jacobian (row-major): the damped least-squares system. */
export function dampedGram(jac: Float64Array, n: number, damping: number): Float64Array {
  const a = new Float64Array(36);
  for (let i = 0; i < 6; i++) {
    for (let j = i; j < 6; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (jac[n * i + k] as number) * (jac[n * j + k] as number);
      a[6 * i + j] = sum;
      a[6 * j + i] = sum;
    }
    a[7 * i] = (a[7 * i] as number) + damping * damping;
  }
  return a;
}

/** Solves the symmetric positive-definite system A x = b (A n×n row-major) by Cholesky, in place on copies. */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[n * i + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[n * i + k] as number) * (l[n * j + k] as number);
      l[n * i + j] = i === j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / (l[n * j + j] as number);
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[n * i + k] as number) * (y[k] as number);
    y[i] = sum / (l[n * i + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < n; k++) sum -= (l[n * k + i] as number) * (x[k] as number);
    x[i] = sum / (l[n * i + i] as number);
  }
  return x;
}

/**
 * One damped-least-squares step toward a target pose.
 * dq = J⁺e + (I − J⁺J)·k·(q_rest − q) with J⁺ = Jᵀ(JJᵀ + λ²I)⁻¹, scaled so no joint moves more
 * than `maxJointStep`, and the result clamped inside the joint limits.
 * @param q current joint angles [7].
 * @param targetPosition tool centre target [3] (m, base frame).
 * @param targetRotation tool orientation target, row-major 3x3.
 * @returns the new joint angles [7] (a fresh array).
 */
export function dlsStep(q: ArrayLike<number>, targetPosition: ArrayLike<number>, targetRotation: Mat3, options: IkOptions = {}): Float64Array {
  const damping = options.damping ?? DEFAULTS.damping;
  const rotationWeight = options.rotationWeight ?? DEFAULTS.rotationWeight;
  const rest = options.restPosture ?? PANDA_READY_Q;
  const gain = options.postureGain ?? DEFAULTS.postureGain;
  const maxStep = options.maxJointStep ?? DEFAULTS.maxJointStep;
  const n = PANDA_DOF;

  const fk = forwardKinematics(q);
  const jac = tcpJacobian(fk);
  // Weight the angular rows so the error and the Jacobian use the same units.
  for (let k = 3 * n; k < 6 * n; k++) jac[k] = (jac[k] as number) * rotationWeight;
  const e = poseError(fk.position, fk.rotation, targetPosition, targetRotation, rotationWeight);

  const a = dampedGram(jac, n, damping);
  const jtSolve = (v: Float64Array): Float64Array => {
    const y = solveSpd(a, v, 6);
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let sum = 0;
      for (let i = 0; i < 6; i++) sum += (jac[n * i + k] as number) * (y[i] as number);
      out[k] = sum;
    }
    return out;
  };

  const dqTask = jtSolve(e);
  // Posture pull v, projected: v − J⁺(J v).
  const v = new Float64Array(n);
  for (let k = 0; k < n; k++) v[k] = gain * ((rest[k] as number) - (q[k] as number));
  const jv = new Float64Array(6);
  for (let i = 0; i < 6; i++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += (jac[n * i + k] as number) * (v[k] as number);
    jv[i] = sum;
  }
  const back = jtSolve(jv);

  let largest = 0;
  const dq = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    dq[k] = (dqTask[k] as number) + (v[k] as number) - (back[k] as number);
    largest = Math.max(largest, Math.abs(dq[k] as number));
  }
  const scale = largest > maxStep ? maxStep / largest : 1;
  const next = new Float64Array(n);
  for (let k = 0; k < n; k++) next[k] = (q[k] as number) + scale * (dq[k] as number);
  return clampToJointLimits(next, options.limitMargin ?? DEFAULTS.limitMargin);
}

/** Result of {@link solveIk}. */
export interface IkSolution {
  /** Joint angles [7]. */
  q: Float64Array;
  /** Whether both tolerances were met. */
  converged: boolean;
  /** Remaining position error (m). */
  positionError: number;
  /** Remaining orientation error (rad). */
  rotationError: number;
  /** Steps taken. */
  iterations: number;
}

/** Options of {@link solveIk}. */
export interface SolveIkOptions extends IkOptions {
  /** Step limit (default 300). */
  maxIterations?: number;
  /** Position tolerance (m, default 1e-4). */
  positionTolerance?: number;
  /** Orientation tolerance (rad, default 1e-3). */
  rotationTolerance?: number;
}

/** Iterates {@link dlsStep} from q0 until the target pose is met or the step limit is reached. */
export function solveIk(q0: ArrayLike<number>, targetPosition: ArrayLike<number>, targetRotation: Mat3, options: SolveIkOptions = {}): IkSolution {
  const maxIterations = options.maxIterations ?? 300;
  const posTol = options.positionTolerance ?? 1e-4;
  const rotTol = options.rotationTolerance ?? 1e-3;
  let q: Float64Array = Float64Array.from(q0);
  let iterations = 0;
  for (;;) {
    const fk = forwardKinematics(q);
    const e = poseError(fk.position, fk.rotation, targetPosition, targetRotation, 1);
    const positionError = Math.hypot(e[0] as number, e[1] as number, e[2] as number);
    const rotationError = Math.hypot(e[3] as number, e[4] as number, e[5] as number);
    const converged = positionError < posTol && rotationError < rotTol;
    if (converged || iterations >= maxIterations) return { q, converged, positionError, rotationError, iterations };
    q = dlsStep(q, targetPosition, targetRotation, options);
    iterations++;
  }
}
