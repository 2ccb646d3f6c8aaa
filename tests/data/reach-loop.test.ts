import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { MpcPlanner } from '../../src/core/mpc.js';
import { createRng } from '../../src/core/rng.js';
import { runGoalEpisode } from '../../src/loop/reach-loop.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { plannerConfigFor } from '../../src/model/planner-config.js';
import { modelDir } from '../../src/paths.js';

describe('runGoalEpisode (closed loop from pixels, test-tiny model)', () => {
  let model: OnnxWorldModel;
  let sim: TabletopSim;
  let goalSim: TabletopSim;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('test-tiny'));
    const size = model.manifest.encoder.input.height;
    sim = await TabletopSim.create({ task: 'reach', camera: { width: size, height: size } });
    goalSim = await TabletopSim.create({ task: 'reach', camera: { width: size, height: size } });
  });
  afterAll(async () => {
    sim.close();
    goalSim.close();
    await model.close();
  });

  it('renders the goal with the expert, plans from frames + state and reports distances', async () => {
    const config = plannerConfigFor(model.manifest, { samples: 16, iterations: 2, elites: 4 });
    const planner = new MpcPlanner(model, config, { rng: createRng(0), clock: () => performance.now() });
    const steps: number[] = [];
    const r = await runGoalEpisode({ sim, goalSim, model, planner, seed: 3, maxSteps: 2, keepFrames: true, onStep: (s) => steps.push(s.step) });
    expect(r.expertSuccess).toBe(true);
    expect(r.steps).toBe(2);
    expect(steps).toEqual([1, 2]);
    expect(r.frames).toHaveLength(3);
    expect(r.goal.data.length).toBe(64 * 64 * 3);
    expect(r.startDistance).toBeGreaterThan(0.04);
    expect(r.records.every((s) => Number.isFinite(s.energy) && s.action.length === 7)).toBe(true);
  });
});
