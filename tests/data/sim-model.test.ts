/**
 * The shipped sim world model (models/sim-jepa-ac): its energy prefers actions that move the tool
 * toward an expert-rendered goal; with its goal readout the planner's energy closes the fingers
 * around the cube toward the 'grasped' goal and not toward the open 'at cube' one; the readout reads
 * the expert's goal images right (ONNX/PyTorch parity of the graphs is checked in
 * tests/model/parity.test.ts and tests/model/goal-readout.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { expectWaypointReadouts, probeDirections } from './goal-probes.js';
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
    // Frames drawn as the model was trained (its manifest's simulator block: shadows).
    for (const { seed, toward, away } of await probeDirections(model, {}, [11, 12, 13], STEP)) expect(toward, `seed ${seed}`).toBeLessThan(away);
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
    await expectWaypointReadouts(model, {}, [0, 1, 2, 3]);
  });
});
