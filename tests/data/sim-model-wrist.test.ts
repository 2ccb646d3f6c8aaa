/**
 * The shipped two-view world model (models/sim-jepa-ac-wrist: the front camera and the hand camera
 * side by side): the world model alone — goal-gripper term off, so neither the goal readout nor the
 * proposer has a say — wants to close the fingers around the cube toward the 'grasped' goal image
 * and to keep them open toward the open 'at cube' one. The one-camera model scores the two within
 * ±0.0015 (models/sim-jepa-ac/MODEL_CARD.md); this one by 0.13–0.19 (its MODEL_CARD.md). Parity of
 * its graphs: tests/model/parity.test.ts, goal-readout.test.ts, subgoal-proposer.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { probeGraspGoals } from './grasp-goals.js';

describe('models/sim-jepa-ac-wrist', () => {
  let model: OnnxWorldModel;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('sim-jepa-ac-wrist'));
  });
  afterAll(async () => {
    await model.close();
  });

  it("plans to close the fingers at the grasp pose toward 'grasped' and to hold them open toward 'at cube', with the world model alone", async () => {
    for (const { seed, grasped, atCube } of await probeGraspGoals(model, [0, 1, 2], 0)) {
      expect(grasped.held).toBe(true);
      expect(grasped.predictedClose, `seed ${seed}`).toBeLessThan(grasped.predictedHold - MARGIN);
      expect(atCube.predictedHold, `seed ${seed}`).toBeLessThan(atCube.predictedClose - MARGIN);
    }
  });
});

/** Energy gap that counts as a preference: thirty times the one-camera model's ±0.0015. */
const MARGIN = 0.05;
