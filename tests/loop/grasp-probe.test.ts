/**
 * The grasp probe's set-up (the expert's grasp pose with open fingers, one closing action that
 * really grasps the cube) and its energies, which must agree with the model's own functions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { expertGoals } from '../../src/loop/goals.js';
import { graspProbe } from '../../src/loop/grasp-probe.js';
import { latentDistance } from '../../src/core/latent-distance.js';
import { driveTo } from '../../src/loop/landscape.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';

const SIM = { task: 'pick-place' as const, camera: { width: 64, height: 64 } };

describe('grasp probe', () => {
  let sim: TabletopSim;
  let model: OnnxWorldModel;
  beforeAll(async () => {
    sim = await TabletopSim.create(SIM);
    model = await OnnxWorldModel.load(modelDir('test-tiny'));
  });
  afterAll(async () => {
    sim.close();
    await model.close();
  });

  it("closes on the cube at the 'grasped' goal's pose and scores what the model scores", async () => {
    const seed = 2;
    const goals = await expertGoals(SIM, 'pick-place', seed, { alignYaw: false }, 'paper');
    const i = goals.names.indexOf('grasped');
    const goal = goals.frames[i]!;
    const probe = await graspProbe(sim, model, goal, goals.tcpPositions[i]!, seed);
    expect(probe.held).toBe(true); // one closing action at that pose grasps the cube
    expect(probe.closeDelta).toBe(0.75); // the model's gripper bound
    expect(sim.state()[6]).toBeCloseTo(0.75, 6);
    // The open-finger energy is the encoder's distance of that frame to the goal.
    sim.reset(seed);
    const { frame } = driveTo(sim, goals.tcpPositions[i]!);
    expect(probe.open).toBeCloseTo(latentDistance(await model.encode(frame), await model.encode(goal)), 5);
    // Holding still and closing are scored by the rollout the planner uses (they differ).
    for (const e of [probe.closed, probe.predictedClose, probe.predictedHold]) expect(Number.isFinite(e)).toBe(true);
    expect(probe.predictedClose).not.toBe(probe.predictedHold);
  });

  it('refuses a model that plans no gripper', async () => {
    const noGripper = { manifest: { ...model.manifest, name: 'x', planning: { ...model.manifest.planning, gripperIndex: null } } } as unknown as OnnxWorldModel;
    await expect(graspProbe(sim, noGripper, { width: 1, height: 1, data: new Uint8Array(3) }, [0.5, 0, 0.1], 0)).rejects.toThrow(/plans no gripper/);
  });
});
