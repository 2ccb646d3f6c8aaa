import { describe, expect, it } from 'vitest';
import { applySafety, rampDown, safetyLimitsFor, type SafetyLimits } from '../../src/core/safety.js';

const LIMITS: SafetyLimits = {
  maxStep: [0.075, 0.075, 0.075, 0.2, 0.2, 0.2, 1],
  workspaceMin: [0.3, -0.3, 0.02],
  workspaceMax: [0.7, 0.3, 0.5],
  maxSpeed: 0.25,
  maxAngularSpeed: 1,
  controlPeriodS: 0.25,
};
const STATE = [0.5, 0, 0.3, Math.PI, 0, 0, 0.5];

describe('safety pipeline', () => {
  it.each([
    ['an in-bounds action', [0.02, -0.01, 0.03, 0, 0, 0, 0.2], [0.02, -0.01, 0.03, 0, 0, 0, 0.2], 'ok', []],
    ['a too-large step', [0.2, 0, 0, 0, 0, 0, 0], [0.0625, 0, 0, 0, 0, 0, 0], 'clamped', ['step limit', 'speed limit']],
    ['a downward move inside the box', [0, 0, -0.06, 0, 0, 0, 0], [0, 0, -0.06, 0, 0, 0, 0], 'ok', []],
    ['a fast rotation', [0, 0, 0, 0.2, 0.2, 0, 0], [0, 0, 0, 0.1768, 0.1768, 0, 0], 'clamped', ['angular speed limit']],
    ['a gripper overshoot', [0, 0, 0, 0, 0, 0, 0.9], [0, 0, 0, 0, 0, 0, 0.5], 'clamped', ['gripper range']],
    ['a fast diagonal', [0.05, 0.05, 0.05, 0, 0, 0, 0], [0.0361, 0.0361, 0.0361, 0, 0, 0, 0], 'clamped', ['speed limit']],
  ])('passes %s', (_name, planned, expected, verdict, reasons) => {
    const r = applySafety(planned, STATE, LIMITS);
    expect(r.verdict).toBe(verdict);
    expect(r.reasons).toEqual(reasons);
    r.action.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
  });

  it('keeps the commanded tool position inside the workspace box', () => {
    const nearFloor = [0.5, 0.28, 0.05, Math.PI, 0, 0, 0];
    const r = applySafety([0, 0.05, -0.075, 0, 0, 0, 0], nearFloor, LIMITS);
    expect(r.verdict).toBe('clamped');
    expect(r.reasons).toContain('workspace');
    expect(nearFloor[1]! + r.action[1]!).toBeCloseTo(0.3, 6);
    expect(nearFloor[2]! + r.action[2]!).toBeCloseTo(0.02, 6);
  });

  it('lets a tool outside the box move back in but not further out', () => {
    const outside = [0.8, 0, 0.3, Math.PI, 0, 0, 0];
    expect(applySafety([0.03, 0, 0, 0, 0, 0, 0], outside, LIMITS).action[0]).toBe(0);
    expect(applySafety([-0.03, 0, 0, 0, 0, 0, 0], outside, LIMITS).action[0]).toBeCloseTo(-0.03, 6);
  });

  it.each([
    [[NaN, 0, 0, 0, 0, 0, 0], STATE, /action\[0\] is NaN/],
    [[0, 0, 0, 0, 0, Infinity, 0], STATE, /action\[5\] is Infinity/],
    [[0, 0, 0], STATE, /action has 3 components/],
    [[0, 0, 0, 0, 0, 0, 0], [0.5, NaN, 0.3, 0, 0, 0, 0], /state\[1\] is NaN/],
  ])('rejects %j from state %j with a hold', (planned, state, reason) => {
    const r = applySafety(planned, state, LIMITS);
    expect(r.verdict).toBe('rejected');
    expect(Array.from(r.action)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(r.reasons[0]).toMatch(reason);
  });

  it('ramps a streamed velocity down to zero without a jump', () => {
    let v = [0.2, 0, 0.1];
    const norms: number[] = [];
    for (let i = 0; i < 10 && Math.hypot(...v) > 0; i++) {
      v = rampDown(v, 0.5, 0.1);
      norms.push(Math.hypot(...v));
    }
    expect(norms.at(-1)).toBe(0);
    for (let i = 1; i < norms.length; i++) expect(norms[i - 1]! - norms[i]!).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(v[0]! / (v[2]! || 1)).not.toBeNaN();
  });

  describe("limits for a planner (the node defaults: speed 0 = the planner's own)", () => {
    const space = { lower: [-0.075, -0.075, -0.075, 0, 0, 0, -0.75], upper: [0.075, 0.075, 0.075, 0, 0, 0, 0.75] };
    const box = { workspaceMin: [0.2, -0.45, 0.015] as [number, number, number], workspaceMax: [0.8, 0.45, 0.6] as [number, number, number] };
    const state = [0.5, 0, 0.3, Math.PI, 0, 0, 0];

    it("never cut the planner's largest step (a diagonal 7.5 cm step at 4 Hz is 0.52 m/s)", () => {
      const limits = safetyLimitsFor(space, 0.25, { ...box, maxSpeed: 0, maxAngularSpeed: 0 });
      const r = applySafety([0.075, -0.075, 0.075, 0, 0, 0, 0.75], state, limits);
      expect(r.verdict).toBe('ok');
      expect(limits.maxStep).toEqual([0.075, 0.075, 0.075, 0, 0, 0, 0.75]);
    });

    it('cut a step faster than an explicit max_speed, keeping its direction', () => {
      const limits = safetyLimitsFor(space, 0.25, { ...box, maxSpeed: 0.3, maxAngularSpeed: 0 });
      const r = applySafety([0.075, -0.075, 0.075, 0, 0, 0, 0], state, limits);
      expect(r.reasons).toEqual(['speed limit']);
      expect(Math.hypot(r.action[0]!, r.action[1]!, r.action[2]!)).toBeCloseTo(0.3 * 0.25, 6);
      expect(r.action[0]! / r.action[2]!).toBeCloseTo(1, 6);
    });
  });
});
