import { describe, expect, it } from 'vitest';
import { judgePickPlace } from '../../src/ros/scenario.js';

const REST = 0.0225;

describe('pick-and-place verdict from ROS poses', () => {
  it.each([
    ['placed, released, tool away', { tcp: [0.5, 0.2, 0.2], cube: [0.51, 0.21, REST], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, true],
    ['placed but still gripped', { tcp: [0.51, 0.21, 0.03], cube: [0.51, 0.21, REST], target: [0.5, 0.2, 0], fingerOpening: 0.02 }, false],
    ['released too far from the target', { tcp: [0.5, 0.2, 0.2], cube: [0.57, 0.2, REST], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, false],
    ['still lifted', { tcp: [0.5, 0.2, 0.2], cube: [0.5, 0.2, REST + 0.05], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, false],
  ])('%s → %s', (_name, snapshot, success) => {
    expect(judgePickPlace(snapshot, REST)?.success).toBe(success);
  });

  it('has no verdict until every pose has arrived', () => {
    expect(judgePickPlace({ tcp: [0, 0, 0], cube: [0, 0, 0] }, REST)).toBeUndefined();
  });
});
