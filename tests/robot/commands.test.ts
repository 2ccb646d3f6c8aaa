import { describe, expect, it } from 'vitest';
import { eulerToMatrix, matrixToEuler } from '../../src/robot/euler.js';
import {
  closednessFromWidth,
  fingerPosition,
  gripperStep,
  jointTargetFromDelta,
  poseTarget,
  stateFromPose,
  twistFromDelta,
  type ToolPose,
} from '../../src/robot/commands.js';
import { forwardKinematics, PANDA_READY_Q } from '../../src/robot/panda-kinematics.js';
import { matrixToQuaternion, quaternionToMatrix } from '../../src/robot/quaternion.js';

const DOWN: ToolPose = { position: [0.5, 0, 0.3], orientation: { x: 1, y: 0, z: 0, w: 0 } }; // tool pointing down
const GRIPPER = { maxWidth: 0.08, speed: 0.1, force: 30, graspThreshold: 0.5 };

describe('quaternions', () => {
  it.each([
    [0, 0, 0],
    [Math.PI, 0, 0],
    [0.3, -0.4, 1.2],
    [-2.5, 1.2, -0.3],
  ])('round-trip Euler (%d, %d, %d) through a quaternion', (r, p, y) => {
    const m = eulerToMatrix(r, p, y);
    const back = quaternionToMatrix(matrixToQuaternion(m));
    m.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 9));
  });

  it('rejects a zero quaternion', () => {
    expect(() => quaternionToMatrix({ x: 0, y: 0, z: 0, w: 0 })).toThrow(/cannot be normalised/);
  });
});

describe('end-effector commands', () => {
  it('reads the 7-D state from a pose', () => {
    const s = stateFromPose(DOWN, 0.25);
    expect(Array.from(s.slice(0, 3))).toEqual([0.5, 0, 0.30000001192092896]);
    expect(Math.abs(s[3]!)).toBeCloseTo(Math.PI, 5);
    expect(s[6]).toBe(0.25);
  });

  it('spreads a delta over the control period as a twist', () => {
    const t = twistFromDelta([0.05, -0.025, 0, 0, 0, 0.1, 0], 0.25);
    expect(t.linear.map((v) => Number(v.toFixed(6)))).toEqual([0.2, -0.1, 0]);
    expect(t.angular[2]).toBeCloseTo(0.4, 9);
  });

  it('composes a pose target: p + dp and R_delta R', () => {
    const target = poseTarget(DOWN, [0.01, 0.02, -0.03, 0, 0, 0.2, 0]);
    expect(target.position.map((v) => Number(v.toFixed(9)))).toEqual([0.51, 0.02, 0.27]);
    const before = matrixToEuler(quaternionToMatrix(DOWN.orientation));
    const after = matrixToEuler(quaternionToMatrix(target.orientation));
    expect(after[2] - before[2]).toBeCloseTo(0.2, 9);
  });

  it('moves the Panda tool by the delta through its own IK', () => {
    const q = PANDA_READY_Q;
    const start = forwardKinematics(q).position;
    const j = jointTargetFromDelta(q, [0.05, -0.04, -0.06, 0, 0, 0, 0]);
    expect(j.converged).toBe(true);
    const end = forwardKinematics(j.positions).position;
    expect(end[0]! - start[0]!).toBeCloseTo(0.05, 3);
    expect(end[1]! - start[1]!).toBeCloseTo(-0.04, 3);
    expect(end[2]! - start[2]!).toBeCloseTo(-0.06, 3);
  });

  it.each([
    [0, 0.3, 0.3, undefined],
    [0.3, 0.5, 0.8, 'grasp'],
    [0.8, 0.5, 1, undefined],
    [1, -0.75, 0.25, 'move'],
    [0.2, -0.75, 0, undefined],
  ])('gripper from closedness %d by %d → %d, command %s', (c, d, next, kind) => {
    const r = gripperStep(c, d, GRIPPER);
    expect(r.closedness).toBeCloseTo(next, 9);
    expect(r.command?.kind).toBe(kind);
    if (r.command?.kind === 'move') expect(r.command.width).toBe(0.08);
    if (r.command?.kind === 'grasp') expect(r.command.force).toBe(30);
  });

  it('maps closedness to finger positions and widths to closedness', () => {
    expect(fingerPosition(0)).toBeCloseTo(0.04, 9);
    expect(fingerPosition(1)).toBe(0);
    expect(fingerPosition(2)).toBe(0);
    expect(closednessFromWidth(0.02, 0.08)).toBeCloseTo(0.75, 9);
    expect(closednessFromWidth(0.1, 0.08)).toBe(0);
  });
});
