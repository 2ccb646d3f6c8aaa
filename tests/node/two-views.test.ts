/**
 * A two-view model (front and wrist cameras) in the planner node: it needs a fresh frame of each
 * view, encodes them side by side exactly as the simulator loop does, and reads multi-view goal
 * images of any size view by view. Real random-weight model (models/test-tiny-wrist) in its worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabletopSim, type Observation } from '../../sim/tabletop.js';
import { latentDistance } from '../../src/core/latent-distance.js';
import { PlannerStatus } from '../../src/core/status.js';
import { createLogger } from '../../src/log.js';
import { deliverReadings } from '../../src/loop/node-wiring.js';
import { simFrame } from '../../src/loop/sim-frame.js';
import { SimNodeCore } from '../../src/node/sim-node.js';
import { rgbToRaw, type RgbImage } from '../../src/model/image.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { defaultParameters } from '../../src/node/parameters.js';
import { PlannerNode } from '../../src/node/planner-node.js';
import type { ArmCommand, GripperOutput, NodeOutputs, StatusReport } from '../../src/node/ports.js';
import { modelDir } from '../../src/paths.js';

const log = createLogger('test');
const POSE = { position: [0.5, 0, 0.3] as [number, number, number], orientation: { x: 1, y: 0, z: 0, w: 0 } };

class Recorder implements NodeOutputs {
  statuses: StatusReport[] = [];
  commands: ArmCommand[] = [];
  command(c: ArmCommand) {
    this.commands.push(c);
  }
  gripper(_g: GripperOutput) {}
  status(s: StatusReport) {
    this.statuses.push(s);
  }
  planPath() {}
}

/** Each view of a side-by-side image widened by `pad` px of noise on both sides (a 4:3 camera's frame around the square view). */
function padViews(img: RgbImage, views: number, pad: number): RgbImage {
  const vw = img.width / views;
  const w = (vw + 2 * pad) * views;
  const data = new Uint8Array(w * img.height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  for (let v = 0; v < views; v++)
    for (let y = 0; y < img.height; y++)
      data.set(img.data.subarray((y * img.width + v * vw) * 3, (y * img.width + (v + 1) * vw) * 3), (y * w + v * (vw + 2 * pad) + pad) * 3);
  return { width: w, height: img.height, data };
}

const raw = (o: Observation, view: 'front' | 'wrist') => ({
  kind: 'raw' as const,
  image: rgbToRaw({ width: o.width, height: o.height, data: view === 'front' ? o.rgb : (o.wristRgb as Uint8Array) }),
});

describe('a two-view (front, wrist) model in the planner node', () => {
  let model: OnnxWorldModel;
  let sim: TabletopSim;
  let obs: Observation;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('test-tiny-wrist'));
    sim = await TabletopSim.create({ task: 'pick-place', camera: { width: 64, height: 64 }, wrist: true });
    obs = sim.reset(3);
  });
  afterAll(async () => {
    sim.close();
    await model.close();
  });

  function makeNode() {
    let now = 100;
    const outputs = new Recorder();
    const node = new PlannerNode({
      model,
      params: { ...defaultParameters(), samples: 32, iterations: 2, elites: 4 },
      outputs,
      clock: () => now,
      goalDir: '/nonexistent',
      log,
    });
    return { node, outputs, advance: (s: number) => (now += s) };
  }

  it('holds until the wrist camera has sent a frame, then plans from both', async () => {
    const { node, outputs } = makeNode();
    node.onImage(raw(obs, 'front'), 100);
    node.onPose(POSE, 100);
    expect((await node.setGoal({ useCurrentFrame: true })).message).toMatch(/no camera frame received yet/);
    expect((await node.setGoal({ image: rgbToRaw(simFrame(obs)) })).accepted).toBe(true);
    node.tick();
    expect(outputs.statuses.at(-1)?.code).toBe(PlannerStatus.STALE_IMAGE);
    expect(outputs.statuses.at(-1)?.message).toMatch(/no wrist camera frame received yet/);
    node.onImage(raw(obs, 'wrist'), 100, 'wrist');
    node.tick();
    await node.idle();
    expect(outputs.statuses.at(-1)?.code).not.toBe(PlannerStatus.STALE_IMAGE);
    expect(outputs.commands.length).toBeGreaterThan(0);
  });

  it("encodes the node's two camera frames exactly as the simulator loop's tiled frame, and a goal at twice the size alike", async () => {
    const { node } = makeNode();
    node.onImage(raw(obs, 'front'), 100);
    node.onImage(raw(obs, 'wrist'), 100, 'wrist');
    node.onPose(POSE, 100);
    const tiled = simFrame(obs);
    expect(tiled.width).toBe(128);
    // the current frames against the simulator loop's frame of the same scene: the same latents
    expect((await node.setGoal({ image: rgbToRaw(tiled) })).latentDistance).toBeLessThan(1e-6);
    // a goal image of two 80x64 views is split and centre-cropped view by view (not cropped as one picture): the same latents
    expect((await node.setGoal({ image: rgbToRaw(padViews(tiled, 2, 8)) })).latentDistance).toBeLessThan(1e-6);
    // while the same picture read as one image (the one-view path) is another scene to the model
    const asOne = latentDistance(await model.encode(padViews(tiled, 2, 8)), await model.encode(tiled));
    expect(asOne).toBeGreaterThan(0.01);
  });

  it("gets both cameras from the simulator node's readings (the through-node loop's wiring)", async () => {
    const { node, outputs } = makeNode();
    const simNode = new SimNodeCore(sim, { periodS: 0.25, commandTimeoutS: 1 }, 3, 100);
    const r = deliverReadings(simNode, node, 'panda_');
    expect(r.wristImage?.width).toBe(64);
    expect((await node.setGoal({ useCurrentFrame: true })).latentDistance).toBeLessThan(1e-6);
    node.tick();
    await node.idle();
    expect(outputs.statuses.at(-1)?.code).not.toBe(PlannerStatus.STALE_IMAGE);
  });
});
