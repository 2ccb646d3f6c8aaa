/**
 * Grasp practice: the scripted expert with mistakes. It must close the fingers too early now and
 * then (the situations a planner creates near the cube), stay inside the action bounds, and still
 * recover often enough to grasp — otherwise the data shows fumbles but never a grasp.
 */
import { describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { createRng } from '../../src/core/rng.js';
import { ACTION_LIMITS, GraspPracticePolicy } from '../../src/data/policies.js';

const EPISODES = 6;
const STEPS = 40;

describe('GraspPracticePolicy', () => {
  it('fumbles, stays in bounds, and still grasps in some episodes', async () => {
    const sim = await TabletopSim.create({ task: 'pick-place', render: false });
    try {
      let earlyCloses = 0;
      let grasped = 0;
      for (let e = 0; e < EPISODES; e++) {
        let obs = sim.reset(100 + e);
        const policy = new GraspPracticePolicy(sim, createRng(7 + e));
        let held = false;
        for (let t = 0; t < STEPS; t++) {
          const a = policy.act(obs);
          for (let d = 0; d < 3; d++) expect(Math.abs(a[d]!)).toBeLessThanOrEqual(ACTION_LIMITS.translation + 1e-9);
          // Closing while the tool is still far from the cube is a fumble.
          if (a[6]! > 0 && !held && obs.task.cubeToTcp > 0.05) earlyCloses++;
          obs = sim.step(a);
          held ||= obs.task.held && obs.task.cubeLift > 0.03;
        }
        if (held) grasped++;
      }
      expect(earlyCloses).toBeGreaterThan(0);
      expect(grasped).toBeGreaterThan(0);
    } finally {
      sim.close();
    }
  });
});
