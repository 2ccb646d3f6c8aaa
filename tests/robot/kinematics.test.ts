import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { eulerToMatrix } from '../../src/robot/euler.js';
import { dlsStep, solveIk } from '../../src/robot/ik.js';
import { forwardKinematics, PANDA_DOF, PANDA_Q_MAX, PANDA_Q_MIN, PANDA_READY_Q, tcpJacobian } from '../../src/robot/panda-kinematics.js';

/** libfranka's O_T_EE for the ready posture: tool pointing down at (0.307, 0, 0.487). */
const READY_TCP = [0.30689, 0, 0.48688];

function randomPosture(seed: number): Float64Array {
  const rng = createRng(seed);
  // Stay 20% inside the limits so the postures are comfortably reachable.
  return Float64Array.from({ length: PANDA_DOF }, (_, i) => {
    const lo = PANDA_Q_MIN[i] as number;
    const hi = PANDA_Q_MAX[i] as number;
    return lo + (0.2 + 0.6 * rng.uniform()) * (hi - lo);
  });
}

describe('Panda forward kinematics (modified DH)', () => {
  it('puts the tool centre of the ready posture where libfranka does, pointing down', () => {
    const fk = forwardKinematics(PANDA_READY_Q);
    READY_TCP.forEach((v, i) => expect(fk.position[i]).toBeCloseTo(v, 4));
    // Approach axis (column 2) points down; hand x along base x.
    expect(fk.rotation[8]).toBeCloseTo(-1, 9);
    expect(fk.rotation[0]).toBeCloseTo(1, 9);
  });

  it('stretches straight up to 0.333 + 0.316 + 0.384 + 0.107 + 0.1034 m at q = 0 (up to the 8.8 cm wrist offset)', () => {
    const fk = forwardKinematics(new Float64Array(7));
    expect(fk.position[0]).toBeCloseTo(0.088, 6);
    expect(fk.position[2]).toBeCloseTo(0.333 + 0.316 + 0.384 - 0.107 - 0.1034, 6);
  });

  it.each([[6], [8], [0]])('rejects %i joint angles', (n) => {
    expect(() => forwardKinematics(new Float64Array(n))).toThrow(RangeError);
  });

  it.each([1, 2, 3])('has a Jacobian that matches finite differences (posture %i)', (seed) => {
    const q = randomPosture(seed);
    const jac = tcpJacobian(forwardKinematics(q));
    const h = 1e-6;
    for (let j = 0; j < PANDA_DOF; j++) {
      const qp = Float64Array.from(q);
      qp[j] = (qp[j] as number) + h;
      const p1 = forwardKinematics(qp).position;
      const p0 = forwardKinematics(q).position;
      for (let i = 0; i < 3; i++) {
        expect(jac[PANDA_DOF * i + j]).toBeCloseTo(((p1[i] as number) - (p0[i] as number)) / h, 4);
      }
    }
  });
});

describe('damped-least-squares IK', () => {
  it.each([11, 12, 13, 14, 15, 16])('round-trips FK(q) of random posture %i from a start 0.3 rad away, to 1 mm and 0.01 rad', (seed) => {
    const q = randomPosture(seed);
    const target = forwardKinematics(q);
    const rng = createRng(seed + 100);
    const start = q.map((v) => v + 0.3 * (2 * rng.uniform() - 1));
    const sol = solveIk(start, target.position, target.rotation, { maxIterations: 500, restPosture: start });
    expect(sol.positionError).toBeLessThan(1e-3);
    expect(sol.rotationError).toBeLessThan(1e-2);
    const fk = forwardKinematics(sol.q);
    for (let i = 0; i < 3; i++) expect(Math.abs((fk.position[i] as number) - (target.position[i] as number))).toBeLessThan(1e-3);
  });

  it.each([
    ['above the table centre', [0.5, 0, 0.1]],
    ['at a far corner', [0.65, -0.25, 0.03]],
    ['at a near corner', [0.35, 0.25, 0.3]],
  ] as const)('reaches the tool-down pose %s to 0.1 mm', (_name, p) => {
    const sol = solveIk(PANDA_READY_Q, p, eulerToMatrix(Math.PI, 0, 0.3));
    expect(sol.converged).toBe(true);
    expect(sol.positionError).toBeLessThan(1e-4);
  });

  it('respects the joint limits when asked for an unreachable target 2 m away', () => {
    const sol = solveIk(PANDA_READY_Q, [2, 0, 0.3], eulerToMatrix(Math.PI, 0, 0), { maxIterations: 200 });
    expect(sol.converged).toBe(false);
    sol.q.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(PANDA_Q_MIN[i] as number);
      expect(v).toBeLessThanOrEqual(PANDA_Q_MAX[i] as number);
    });
    // It still gets as close as the arm allows (reach ≈ 0.86 m from the shoulder).
    expect(forwardKinematics(sol.q).position[0]).toBeGreaterThan(0.75);
  });

  it('limits each step to maxJointStep', () => {
    const next = dlsStep(PANDA_READY_Q, [0.6, 0.3, 0.05], eulerToMatrix(Math.PI, 0, 0), { maxJointStep: 0.05 });
    next.forEach((v, i) => expect(Math.abs(v - (PANDA_READY_Q[i] as number))).toBeLessThanOrEqual(0.05 + 1e-12));
  });
});
