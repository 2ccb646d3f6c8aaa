import { describe, expect, it } from 'vitest';
import { eulerToMatrix, matrixToEuler, mul3, rotationFromVector, rotationVector, transpose3, wrapAngle } from '../../src/robot/euler.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(tol);
};

describe('extrinsic xyz Euler angles', () => {
  it('compose as R = Rz(yaw)·Ry(pitch)·Rx(roll)', () => {
    const [roll, pitch, yaw] = [0.3, -0.7, 1.9];
    const composed = mul3(eulerToMatrix(0, 0, yaw), mul3(eulerToMatrix(0, pitch, 0), eulerToMatrix(roll, 0, 0)));
    close(eulerToMatrix(roll, pitch, yaw), composed);
  });

  it.each([
    ['roll +90° turns y into z', [Math.PI / 2, 0, 0], [0, 1, 0], [0, 0, 1]],
    ['pitch +90° turns z into x', [0, Math.PI / 2, 0], [0, 0, 1], [1, 0, 0]],
    ['yaw +90° turns x into y', [0, 0, Math.PI / 2], [1, 0, 0], [0, 1, 0]],
  ] as const)('%s', (_name, angles, v, expected) => {
    const r = eulerToMatrix(angles[0], angles[1], angles[2]);
    const out = [0, 1, 2].map((i) => (r[3 * i] as number) * v[0] + (r[3 * i + 1] as number) * v[1] + (r[3 * i + 2] as number) * v[2]);
    close(out, expected, 1e-12);
  });

  it.each([
    [0, 0, 0],
    [0.1, -0.2, 0.3],
    [3.0, 1.2, -2.5],
    [-1.5, -1.4, 3.1],
    [Math.PI - 1e-6, 0.01, 0.02],
  ])('round-trips (%f, %f, %f)', (roll, pitch, yaw) => {
    close(matrixToEuler(eulerToMatrix(roll, pitch, yaw)), [roll, pitch, yaw], 1e-7);
  });

  it('keeps the rotation at gimbal lock (pitch = 90°) even though the angles are not unique', () => {
    const r = eulerToMatrix(0.4, Math.PI / 2, 1.0);
    const [a, b, c] = matrixToEuler(r);
    expect(b).toBeCloseTo(Math.PI / 2, 9);
    close(eulerToMatrix(a, b, c), r, 1e-9);
  });
});

describe('rotation vectors', () => {
  it.each([[[0, 0, 0]], [[0.1, -0.2, 0.3]], [[0, 0, 3.0]], [[Math.PI - 1e-7, 0, 0]], [[0, 2.2, -1.4]]])('exp and log are inverse for %j', (v) => {
    close(rotationVector(rotationFromVector(v)), v, 1e-6);
  });

  it('gives the relative rotation R_b·R_aᵀ between two orientations', () => {
    const a = eulerToMatrix(Math.PI, 0, 0);
    const b = mul3(eulerToMatrix(0, 0, 0.25), a);
    close(rotationVector(mul3(b, transpose3(a))), [0, 0, 0.25], 1e-12);
  });
});

describe('wrapAngle', () => {
  it.each([
    [0, 0],
    [Math.PI, Math.PI],
    [-Math.PI, Math.PI],
    [3 * Math.PI, Math.PI],
    [2 * Math.PI + 0.5, 0.5],
    [-2 * Math.PI - 0.5, -0.5],
  ])('wraps %f to %f', (a, expected) => {
    expect(wrapAngle(a)).toBeCloseTo(expected, 12);
  });
});
