import { describe, expect, it } from 'vitest';
import { checkAction, DEFAULT_ACTION_BOUNDS, resolveBounds, SIM_STATUS } from '../../sim/action.js';

const bounds = resolveBounds();

describe('checkAction', () => {
  it('passes an in-bounds action through unchanged with status OK', () => {
    const r = checkAction([0.01, -0.02, 0.03, 0, 0, 0.1, 0.75], bounds);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Array.from(r.action)).toEqual([0.01, -0.02, 0.03, 0, 0, 0.1, 0.75]);
      expect(r.status.code).toBe(SIM_STATUS.OK);
    }
  });

  it.each([
    ['x too far', [0.2, 0, 0, 0, 0, 0, 0], 0, 0.075],
    ['z too far down', [0, 0, -1, 0, 0, 0, 0], 2, -0.075],
    ['yaw too large', [0, 0, 0, 0, 0, 2, 0], 5, 0.3],
    ['gripper beyond 1', [0, 0, 0, 0, 0, 0, 5], 6, 1],
  ] as const)('clamps %s and reports ACTION_CLAMPED', (_name, action, axis, expected) => {
    const r = checkAction(action, bounds);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.action[axis]).toBeCloseTo(expected, 12);
      expect(r.status.code).toBe(SIM_STATUS.ACTION_CLAMPED);
      expect(r.status.message).toMatch(/clamped/);
    }
  });

  it.each([
    ['NaN', [Number.NaN, 0, 0, 0, 0, 0, 0], /action\[0\].*not a finite/],
    ['+Infinity', [0, 0, 0, 0, 0, 0, Number.POSITIVE_INFINITY], /action\[6\]/],
    ['-Infinity', [0, 0, Number.NEGATIVE_INFINITY, 0, 0, 0, 0], /action\[2\]/],
    ['6 numbers', [0, 0, 0, 0, 0, 0], /7 numbers, got length 6/],
    ['8 numbers', [0, 0, 0, 0, 0, 0, 0, 0], /got length 8/],
    ['a string element', [0, 0, '0', 0, 0, 0, 0], /action\[2\]/],
    ['undefined', undefined, /7 numbers/],
    ['a plain object', { length: 7 }, /7 numbers/],
  ] as const)('rejects %s with INVALID_ACTION', (_name, action, message) => {
    const r = checkAction(action, bounds);
    expect(r.ok).toBe(false);
    expect(r.status.code).toBe(SIM_STATUS.INVALID_ACTION);
    expect(r.status.message).toMatch(message);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a translation bound of %f', (v) => {
    expect(() => resolveBounds({ translation: v })).toThrow(/translation/);
  });

  it('defaults to the planner bounds for translation', () => {
    expect(DEFAULT_ACTION_BOUNDS.translation).toBe(0.075);
  });
});
