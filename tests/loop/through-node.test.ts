/**
 * The loop users run, in CI: the planner node and the simulator node wired through their ports
 * on a virtual clock (`eval --through-node`), with the shipped model. A short version of the
 * README's comparison: it must succeed where the direct loop does, in every output mode, with
 * plans that take longer than the control period.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { runPlannedEpisode } from '../../src/loop/episode.js';
import { expertGoals } from '../../src/loop/goals.js';
import { runThroughNodeEpisode } from '../../src/loop/through-node.js';
import { createLogger } from '../../src/log.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { resolvePlannerConfig } from '../../src/model/planner-settings.js';
import { modelDir } from '../../src/paths.js';

const log = createLogger('test');
/** A pick-and-place episode on 2 cores (s). */
const EPISODE_TIMEOUT_MS = 240_000;

describe('eval --through-node (planner node + simulator node on a virtual clock)', () => {
  let model: OnnxWorldModel;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('sim-jepa-ac'));
  });
  afterAll(async () => {
    await model.close();
  });

  const simOptions = (task: 'reach' | 'pick-place') => {
    const size = model.manifest.encoder.input.height;
    return { task, controlPeriod: model.manifest.controlPeriodS, camera: { width: size, height: size }, shadows: model.manifest.simulator.shadows };
  };

  it.each([
    ['twist', 0],
    ['twist', 0.8],
    ['pose', 0.8],
    ['joint', 3],
  ] as const)(
    'reaches the goal image through the node (%s output, plans taking %s s)',
    async (outputMode, latencyS) => {
      const sim = await TabletopSim.create(simOptions('reach'));
      try {
        const goals = await expertGoals(simOptions('reach'), 'reach', 3, { alignYaw: false }, 'waypoints');
        const ep = await runThroughNodeEpisode(sim, model, goals, { seed: 3, latencyS, params: { output_mode: outputMode }, log });
        expect(ep.success).toBe(true);
        expect(ep.finalTask.tcpToTarget).toBeLessThan(0.04);
        expect(ep.steps).toBeGreaterThan(0);
      } finally {
        sim.close();
      }
    },
    EPISODE_TIMEOUT_MS,
  );

  it(
    'picks and places through the node with plans slower than the control period, as the direct loop does on the same seed',
    async () => {
      const sim = await TabletopSim.create(simOptions('pick-place'));
      try {
        const goals = await expertGoals(simOptions('pick-place'), 'pick-place', 0, { alignYaw: false }, 'waypoints');
        const direct = await runPlannedEpisode(sim, model, goals, { seed: 0, planner: resolvePlannerConfig(model.manifest) });
        const node = await runThroughNodeEpisode(sim, model, goals, { seed: 0, latencyS: 0.8, log });
        expect(direct.success).toBe(true);
        expect(node.success).toBe(true);
        expect(node.lifted).toBe(true); // picked, not pushed
        expect(node.finalTask.cubeToTarget).toBeLessThan(0.05);
      } finally {
        sim.close();
      }
    },
    EPISODE_TIMEOUT_MS,
  );

  it(
    "picks and places from ONE goal image: the model's subgoal proposer makes the stages, directly and in the node (SetGoal)",
    async () => {
      const sim = await TabletopSim.create(simOptions('pick-place'));
      try {
        const goals = await expertGoals(simOptions('pick-place'), 'pick-place', FINAL_SEED, { alignYaw: false }, 'final');
        expect(goals.frames).toHaveLength(1);
        const planner = resolvePlannerConfig(model.manifest);
        const flat = await runPlannedEpisode(sim, model, goals, { seed: FINAL_SEED, planner, subgoalSteps: [12] });
        expect(flat.closestToCube).toBeGreaterThan(0.05); // straight to the goal image: the arm never goes to the cube
        const direct = await runPlannedEpisode(sim, model, goals, { seed: FINAL_SEED, planner, propose: true });
        const node = await runThroughNodeEpisode(sim, model, goals, { seed: FINAL_SEED, latencyS: 0, log });
        expect(direct.goalGripper).toHaveLength(model.manifest.subgoalProposer?.stages.length ?? 0); // one reading per stage
        for (const ep of [direct, node]) {
          expect(ep.success).toBe(true);
          expect(ep.lifted).toBe(true);
        }
      } finally {
        sim.close();
      }
    },
    EPISODE_TIMEOUT_MS,
  );

  it(
    "picks and places from the paper's three goal images: the node's proposer fills in hover, at cube and lowered (SetGoalSequence with stage names)",
    async () => {
      const sim = await TabletopSim.create(simOptions('pick-place'));
      try {
        const goals = await expertGoals(simOptions('pick-place'), 'pick-place', PAPER_SEED, { alignYaw: false }, 'paper');
        expect(goals.names).toEqual(['grasped', 'near target', 'placed']);
        const stages = model.manifest.subgoalProposer?.stages ?? [];
        const node = await runThroughNodeEpisode(sim, model, goals, { seed: PAPER_SEED, latencyS: 0, log });
        // the node planned through all six stages, not the three images given
        expect(Math.max(...node.records.map((r) => r.subgoal))).toBe(stages.length - 1);
        expect(node.success).toBe(true);
        expect(node.lifted).toBe(true);
        // planned as given (propose_stages off), the three images are three stages
        const given = await runThroughNodeEpisode(sim, model, goals, { seed: PAPER_SEED, latencyS: 0, log, params: { propose_stages: false } });
        expect(Math.max(...given.records.map((r) => r.subgoal))).toBeLessThanOrEqual(2);
      } finally {
        sim.close();
      }
    },
    2 * EPISODE_TIMEOUT_MS,
  );
});

/** A layout the shipped model picks and places from the paper's three goal images through the node. */
const PAPER_SEED = 0;

/** A layout the shipped model picks and places from its final goal image alone (README: 14/20 of seeds 0-19). */
const FINAL_SEED = 3;
