import { describe, expect, it } from 'vitest';
import { actionFromJointTarget, actionFromPoseTarget, actionFromTwist, gripperDeltaFromFinger } from '../../src/node/command-to-action.js';
import { jointTargetFromDelta, poseTarget, twistFromDelta } from '../../src/robot/commands.js';
import { eulerToMatrix } from '../../src/robot/euler.js';
import { forwardKinematics, PANDA_READY_Q } from '../../src/robot/panda-kinematics.js';
import { matrixToQuaternion } from '../../src/robot/quaternion.js';

const DELTA = [0.04, -0.03, 0.02, 0.05, -0.04, 0.1, 0];

describe('commands back to actions (the simulator node inverts the planner node)', () => {
  it('twist over a period → the same delta', () => {
    const t = twistFromDelta(DELTA, 0.25);
    const a = actionFromTwist(t.linear, t.angular, 0.25);
    a.forEach((v, i) => expect(v).toBeCloseTo(DELTA[i] as number, 9));
  });

  it('pose target → the same delta', () => {
    const rotation = eulerToMatrix(Math.PI, 0.1, -0.2);
    const current = { position: [0.5, 0.1, 0.3], rotation };
    const target = poseTarget({ position: [0.5, 0.1, 0.3], orientation: matrixToQuaternion(rotation) }, DELTA);
    const a = actionFromPoseTarget(current, target);
    a.forEach((v, i) => expect(v).toBeCloseTo(DELTA[i] as number, 6));
  });

  it('joint target from the own IK → the same translation', () => {
    const fk = forwardKinematics(PANDA_READY_Q);
    const j = jointTargetFromDelta(PANDA_READY_Q, [0.05, 0.02, -0.04, 0, 0, 0, 0]);
    const a = actionFromJointTarget({ position: fk.position, rotation: fk.rotation }, j.positions);
    expect(a[0]).toBeCloseTo(0.05, 3);
    expect(a[1]).toBeCloseTo(0.02, 3);
    expect(a[2]).toBeCloseTo(-0.04, 3);
    expect(Math.hypot(a[3]!, a[4]!, a[5]!)).toBeLessThan(0.01);
  });

  it.each([
    [0.04, 0.5, -0.5],
    [0, 0, 1],
    [0.02, 0.5, 0],
    [0.1, 1, -1],
  ])('finger position %d m from closedness %d → Δ %d', (pos, c, d) => {
    expect(gripperDeltaFromFinger(pos, c)).toBeCloseTo(d, 9);
  });
});
