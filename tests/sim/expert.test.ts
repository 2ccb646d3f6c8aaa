import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExpertEpisode, ScriptedExpert } from '../../sim/expert.js';
import { TabletopSim } from '../../sim/tabletop.js';
import type { TaskName } from '../../sim/tasks.js';

/** Episodes per task here; `jepa-mpc sim-eval --episodes 20` reports the full numbers. */
const EPISODES: Record<TaskName, number> = { reach: 10, grasp: 5, 'pick-place': 6 };

describe.each(['reach', 'grasp', 'pick-place'] as const)('scripted expert: %s', (task) => {
  let sim: TabletopSim;
  beforeAll(async () => {
    sim = await TabletopSim.create({ task, render: false });
  });
  afterAll(() => sim.close());

  it(`succeeds in all of ${EPISODES[task]} seeded episodes using only planner-bounded actions`, () => {
    let successes = 0;
    for (let seed = 0; seed < EPISODES[task]; seed++) {
      const expert = new ScriptedExpert(sim);
      let obs = sim.reset(seed);
      while (!obs.done) {
        const a = expert.act(obs);
        for (let i = 0; i < 3; i++) expect(Math.abs(a[i] as number)).toBeLessThanOrEqual(0.075 + 1e-12);
        expect([-0.75, 0, 0.75]).toContain(a[6]);
        obs = sim.step(a);
        expect(obs.status.code).toBe('OK');
      }
      if (obs.task.success) successes++;
      if (task === 'reach') expect(obs.task.tcpToTarget).toBeLessThan(0.04);
      if (task === 'grasp') expect(obs.task.cubeLift).toBeGreaterThanOrEqual(0.05);
      if (task === 'pick-place') expect(obs.task.cubeToTarget).toBeLessThan(0.05);
    }
    expect(successes).toBe(EPISODES[task]);
  });
});

describe('pick-and-place subgoal frames', () => {
  it('records grasped, near-target and placed frames that show what their names say', async () => {
    const sim = await TabletopSim.create({ task: 'pick-place' });
    try {
      const episode = runExpertEpisode(sim, 3);
      expect(episode.success).toBe(true);
      const { grasped, nearTarget, placed } = episode.subgoals;
      if (!grasped || !nearTarget || !placed) throw new Error('missing subgoal frames');
      for (const f of [grasped, nearTarget, placed]) expect(f.rgb.length).toBe(128 * 128 * 3);
      expect(grasped.task.held).toBe(true);
      expect(grasped.task.cubeLift).toBeLessThan(0.01);
      expect(nearTarget.task.cubeLift).toBeGreaterThan(0.05);
      expect(nearTarget.task.held).toBe(true);
      expect(nearTarget.task.cubeToTarget).toBeLessThan(0.02);
      expect(placed.task.success).toBe(true);
      expect(grasped.step).toBeLessThan(nearTarget.step);
      expect(nearTarget.step).toBeLessThan(placed.step);
    } finally {
      sim.close();
    }
  });

  it('gives a second simulator the same initial layout and the same goal frames for the same seed', async () => {
    const a = await TabletopSim.create({ task: 'pick-place' });
    const b = await TabletopSim.create({ task: 'pick-place' });
    try {
      const ea = runExpertEpisode(a, 11);
      const eb = runExpertEpisode(b, 11);
      expect(a.layout).toEqual(b.layout);
      expect(Buffer.from(ea.subgoals.placed?.rgb ?? []).equals(Buffer.from(eb.subgoals.placed?.rgb ?? []))).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });
});
