/**
 * The closed loop end to end with real components: the MuJoCo simulator, the software camera, the
 * real ONNX test model in its worker and the CEM planner. The test model is untrained, so this
 * checks the plumbing (goals from a separate simulator, determinism, budgets, holds), not success.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { PLANNER_DEFAULTS, type PlannerConfig } from '../../src/core/mpc.js';
import { CEM_DEFAULTS } from '../../src/core/cem.js';
import { PlannerStatus } from '../../src/core/status.js';
import { runPlannedEpisode } from '../../src/loop/episode.js';
import { defaultSubgoalSteps, expertGoals, type GoalSet } from '../../src/loop/goals.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';

const SMALL_CEM: PlannerConfig = { ...PLANNER_DEFAULTS, cem: { ...CEM_DEFAULTS, samples: 64, iterations: 3, elites: 8 } };
const SIM = { task: 'pick-place' as const, camera: { width: 64, height: 64 } };

describe('planned episode in the built-in simulator', () => {
  let model: OnnxWorldModel;
  let sim: TabletopSim;
  let goals: GoalSet;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('test-tiny'));
    sim = await TabletopSim.create(SIM);
    goals = await expertGoals(SIM, 'pick-place', 3);
  });
  afterAll(async () => {
    sim.close();
    await model.close();
  });

  it('renders three pick-and-place goal frames from the expert in a separate simulator', () => {
    expect(goals.names).toEqual(['grasped', 'near target', 'placed']);
    expect(goals.frames).toHaveLength(3);
    for (const f of goals.frames) expect(f.data.length).toBe(64 * 64 * 3);
    // The goal frames differ from each other (the arm and cube moved).
    expect(Buffer.compare(Buffer.from(goals.frames[0]!.data), Buffer.from(goals.frames[2]!.data))).not.toBe(0);
  });

  it('makes waypoint goals: hover over the cube, fingers around it, closed on it, near the target, lowered, placed', async () => {
    const w = await expertGoals(SIM, 'pick-place', 3, { alignYaw: false }, 'waypoints');
    expect(w.names).toEqual(['hover', 'at cube', 'grasped', 'near target', 'lowered', 'placed']);
    expect(w.steps).toEqual(defaultSubgoalSteps('pick-place', 'waypoints'));
    const [hover, atCube, grasped, near] = w.tcpPositions as [Float64Array, Float64Array, Float64Array, Float64Array];
    // Hover is straight above the at-cube pose; grasping happens where the fingers were; carrying lifts.
    expect(Math.hypot(hover[0]! - atCube[0]!, hover[1]! - atCube[1]!)).toBeLessThan(0.02);
    expect(hover[2]! - atCube[2]!).toBeGreaterThan(0.05);
    expect(Math.hypot(grasped[0]! - atCube[0]!, grasped[1]! - atCube[1]!, grasped[2]! - atCube[2]!)).toBeLessThan(0.02);
    expect(near[2]! - grasped[2]!).toBeGreaterThan(0.04);
    // Lowered: straight below near-target, back at the grasp height (the cube on the table).
    const lowered = w.tcpPositions[4] as Float64Array;
    expect(Math.hypot(lowered[0]! - near[0]!, lowered[1]! - near[1]!)).toBeLessThan(0.02);
    expect(Math.abs(lowered[2]! - grasped[2]!)).toBeLessThan(0.012);
    // The paper's three frames are grasped, near target and placed of the waypoint set.
    const paper = await expertGoals(SIM, 'pick-place', 3, { alignYaw: false });
    for (const [i, k] of [2, 3, 5].entries()) expect(Buffer.from(w.frames[k]!.data).equals(Buffer.from(paper.frames[i]!.data))).toBe(true);
  });

  it("one final goal image and the model's proposer: the episode plans through the proposer's stages and budgets", async () => {
    const final = await expertGoals(SIM, 'pick-place', 3, { alignYaw: false }, 'final');
    expect(final.names).toEqual(['placed']);
    expect(final.steps).toEqual([37]);
    // the final frame is the waypoint set's last one, and the start frame is the episode's first
    const w = await expertGoals(SIM, 'pick-place', 3, { alignYaw: false }, 'waypoints');
    expect(Buffer.from(final.frames[0]!.data).equals(Buffer.from(w.frames[5]!.data))).toBe(true);
    expect(Buffer.from(final.start.data).equals(Buffer.from(sim.reset(3).rgb))).toBe(true);
    const proposer = model.manifest.subgoalProposer!;
    const ep = await runPlannedEpisode(sim, model, final, { seed: 3, planner: SMALL_CEM, propose: true });
    expect(ep.steps).toBe(proposer.steps.reduce((a, b) => a + b, 0));
    expect(ep.switches).toEqual([2, 4, 6]);
    expect(new Set(ep.records.map((r) => r.subgoal))).toEqual(new Set([0, 1, 2]));
    const flat = await runPlannedEpisode(sim, model, final, { seed: 3, planner: SMALL_CEM, subgoalSteps: [5] });
    expect(flat.steps).toBe(5);
  });

  it('spends exactly the subgoal budgets, switching subgoals at their boundaries', async () => {
    const ep = await runPlannedEpisode(sim, model, goals, { seed: 3, planner: SMALL_CEM, subgoalSteps: [2, 3, 1], stopOnSuccess: false, keepFrames: true });
    expect(ep.steps).toBe(6);
    expect(ep.records.map((r) => r.subgoal)).toEqual([0, 0, 1, 1, 1, 2]);
    expect(ep.switches).toEqual([2, 5, 6]);
    expect(ep.frames).toHaveLength(7);
    // Executed steps: planned, or planned and clamped by a safety stage (e.g. opening fingers that are open).
    expect(ep.records.every((r) => (r.status === PlannerStatus.OK || r.status === PlannerStatus.ACTION_CLAMPED) && Number.isFinite(r.energy))).toBe(true);
    // Actions stay inside the model's planning bounds.
    for (const r of ep.records) for (let d = 0; d < 3; d++) expect(Math.abs(r.action[d]!)).toBeLessThanOrEqual(0.075 + 1e-6);
    // The closest approach to the cube is tracked over the steps; six steps from the ready pose
    // (40+ cm away, at most 7.5 cm per axis and step) cannot reach it, so no grasp was attempted.
    expect(ep.closestToCube).toBeLessThanOrEqual(ep.finalTask.cubeToTcp);
    expect(ep.closestToCube).toBeGreaterThan(0.02);
    expect(ep.closedAtCube).toBe(false);
    // Each record carries the simulator's truth after its step: the closest approach is their
    // minimum, the last one is the final state, and the arm moved (the distances differ).
    expect(Math.min(...ep.records.map((r) => r.task.cubeToTcp))).toBe(ep.closestToCube);
    expect(ep.records.at(-1)!.task).toEqual(ep.finalTask);
    expect(new Set(ep.records.map((r) => r.task.cubeToTcp)).size).toBe(ep.records.length);
    for (const r of ep.records) {
      expect(r.gripper).toBeGreaterThanOrEqual(0);
      expect(r.gripper).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic: same seeds give the same actions and frames', async () => {
    const run = () => runPlannedEpisode(sim, model, goals, { seed: 3, planner: SMALL_CEM, subgoalSteps: [2, 1, 1], stopOnSuccess: false, keepFrames: true });
    const a = await run();
    const b = await run();
    expect(a.records.map((r) => Array.from(r.action))).toEqual(b.records.map((r) => Array.from(r.action)));
    expect(Buffer.from(a.frames.at(-1)!.data).equals(Buffer.from(b.frames.at(-1)!.data))).toBe(true);
  });

  it('goes on after the model worker crashes mid-episode: the step is held, the worker restarted, the budget spent', async () => {
    const restarts = model.health.restarts;
    let injected = false;
    const ep = await runPlannedEpisode(sim, model, goals, {
      seed: 4,
      planner: SMALL_CEM,
      subgoalSteps: [2, 2, 1],
      stopOnSuccess: false,
      onStep: (s) => {
        if (s.step === 2 && !injected) {
          injected = true;
          model.injectFault('crash');
        }
      },
    });
    expect(injected).toBe(true);
    expect(model.health.restarts).toBe(restarts + 1);
    expect(ep.steps).toBe(5);
    expect(ep.records.map((r) => r.subgoal)).toEqual([0, 0, 1, 1, 2]);
  });

  it('rejects budgets that do not match the goal frames', async () => {
    await expect(runPlannedEpisode(sim, model, goals, { seed: 3, planner: SMALL_CEM, subgoalSteps: [4, 10] })).rejects.toThrow(
      /3 stages but 2 subgoal budgets/,
    );
  });
});
