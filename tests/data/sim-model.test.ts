/**
 * The shipped sim world model (models/sim-jepa-ac): its energy prefers actions that move the tool
 * toward an expert-rendered goal; with its goal readout the planner's energy closes the fingers
 * around the cube toward the 'grasped' goal and not toward the open 'at cube' one; the readout reads
 * the expert's goal images right (ONNX/PyTorch parity of the graphs is checked in
 * tests/model/parity.test.ts and tests/model/goal-readout.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExpertEpisode } from '../../sim/expert.js';
import { TabletopSim } from '../../sim/tabletop.js';
import { expertGoals } from '../../src/loop/goals.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { probeGraspGoals } from './grasp-goals.js';

const DIR = modelDir('sim-jepa-ac');
const STEP = 0.075;

describe('models/sim-jepa-ac', () => {
  let model: OnnxWorldModel;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(DIR);
  });
  afterAll(async () => {
    await model.close();
  });

  it('scores a step toward an expert-rendered reach goal lower than a step away from it', async () => {
    const size = model.manifest.encoder.input.height;
    // Frames drawn as the model was trained (its manifest's simulator block: shadows).
    const options = { task: 'reach' as const, camera: { width: size, height: size }, shadows: model.manifest.simulator.shadows };
    const sim = await TabletopSim.create(options);
    const goalSim = await TabletopSim.create(options);
    try {
      for (const seed of [11, 12, 13]) {
        const expert = runExpertEpisode(goalSim, seed, { keepObservations: true, extraSteps: 2 });
        const goalObs = expert.observations[expert.observations.length - 1];
        if (!goalObs) throw new Error('no goal frame');
        const obs = sim.reset(seed);
        const d = [0, 1, 2].map((i) => (goalObs.state[i] as number) - (obs.state[i] as number));
        const s = STEP / Math.max(...d.map(Math.abs));
        const toward = [d[0]! * s, d[1]! * s, d[2]! * s, 0, 0, 0, 0];
        const away = toward.map((v) => -v);
        const energy = await model.bind({
          latents: await model.encode({ width: obs.width, height: obs.height, data: obs.rgb }),
          goal: await model.encodeGoal({ width: goalObs.width, height: goalObs.height, data: goalObs.rgb }),
          state: Float32Array.from(obs.state),
          horizon: 1,
        });
        const [eToward, eAway] = await energy(Float32Array.from([...toward, ...away]), 2);
        expect(eToward).toBeLessThan(eAway as number);
      }
    } finally {
      sim.close();
      goalSim.close();
    }
  });

  it("plans to close the fingers at the grasp pose toward the 'grasped' goal", async () => {
    // The planner's energy (the manifest's goal-gripper weight) puts closing well ahead of holding.
    // The world model alone does not: with the term off this model scores closing within ±0.0015
    // of holding (seeds 0–5, MODEL_CARD.md), though the real closed frame is nearer the goal in 5
    // of 6 — at 64 px the fingers move about 1.4 px, which is why the goal readout exists.
    for (const { grasped, atCube } of await probeGraspGoals(model, [0, 1, 2])) {
      expect(grasped.held).toBe(true);
      expect(grasped.goalGripper).toBeGreaterThan(0.5);
      expect(grasped.predictedClose).toBeLessThan(grasped.predictedHold - 0.03);
      // and the same goal with the fingers' reading flipped (an open-fingered goal) prefers holding
      expect(atCube.goalGripper).toBeLessThan(0.5);
      expect(atCube.predictedHold).toBeLessThan(atCube.predictedClose);
    }
  });

  it('reads open fingers in the hover, at-cube and placed goal images and closed ones in grasped, near-target and lowered', async () => {
    // Held-out accuracy of the readout: 98.6 % of frames, 97.4 % at the cube (MODEL_CARD.md).
    const size = model.manifest.encoder.input.height;
    const options = { task: 'pick-place' as const, camera: { width: size, height: size }, shadows: model.manifest.simulator.shadows };
    const closed: Record<string, boolean> = { hover: false, 'at cube': false, grasped: true, 'near target': true, lowered: true, placed: false };
    for (const seed of [0, 1, 2, 3]) {
      const goals = await expertGoals(options, 'pick-place', seed, { alignYaw: false }, 'waypoints');
      for (const [k, frame] of goals.frames.entries()) {
        const g = (await model.encodeGoal(frame)).gripperReadout as number;
        const name = goals.names[k] as string;
        expect(closed, name).toHaveProperty([name]);
        if (closed[name]) expect(g, `${name}, seed ${seed}`).toBeGreaterThan(0.8);
        else expect(g, `${name}, seed ${seed}`).toBeLessThan(0.2);
      }
    }
  });
});
