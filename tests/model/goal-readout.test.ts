/**
 * The optional goal readout (manifest `goalReadout`, readout.onnx): onnxruntime-node reproduces
 * the PyTorch outputs the exporter wrote (readout-parity.json), goal latents carry the reading,
 * the planner's goal-gripper term uses it, and bad readout set-ups are refused clearly.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettings } from '../../src/cli/planned-run.js';
import { MpcPlanner } from '../../src/core/mpc.js';
import { createRng } from '../../src/core/rng.js';
import { PlannerStatus } from '../../src/core/status.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { resolvePlannerConfig } from '../../src/model/planner-settings.js';
import { modelDir } from '../../src/paths.js';
import { expectModelError, modelVariant } from './model-folders.js';
import { image, type ParityImage } from './parity-fixture.js';

const TINY = modelDir('test-tiny');

interface ReadoutParity {
  format: string;
  tolerance: number;
  images: ParityImage[];
  gripper: number[];
}

const readParity = (dir: string) => JSON.parse(readFileSync(join(dir, 'readout-parity.json'), 'utf8')) as ReadoutParity;

describe.each([
  ['test-tiny', TINY],
  ['test-tiny-wrist (two views)', modelDir('test-tiny-wrist')],
  ['sim-jepa-ac (shipped)', modelDir('sim-jepa-ac')],
  ['sim-jepa-ac-wrist (shipped, two views)', modelDir('sim-jepa-ac-wrist')],
  ['sim-jepa-ac-worlds (shipped, randomised worlds)', modelDir('sim-jepa-ac-worlds')],
])('goal readout of %s', (_name, dir) => {
  const shipped = existsSync(join(dir, 'readout-parity.json'));
  let model: OnnxWorldModel;
  beforeAll(async () => {
    if (shipped) model = await OnnxWorldModel.load(dir, { horizons: [1] });
  });
  afterAll(async () => {
    await model?.close();
  });

  it.runIf(shipped)('reproduces the PyTorch readout within the fixture tolerance, and goal latents carry it', async () => {
    const parity = readParity(dir);
    expect(parity.format).toBe('jepa-mpc/readout-parity@1');
    for (const [i, img] of parity.images.entries()) {
      const got = (await model.readGripper(image(img))) as number;
      expect(Math.abs(got - (parity.gripper[i] as number))).toBeLessThan(parity.tolerance);
      const goal = await model.encodeGoal(image(img));
      expect(goal.gripperReadout).toBeCloseTo(got, 6);
    }
    expect((await model.encode(image(parity.images[0] as ParityImage))).gripperReadout).toBeUndefined();
  });
});

describe('the goal-gripper term with a real model', () => {
  it('sets the planned closedness to what the goal reads, and only when the weight is on', async () => {
    const model = await OnnxWorldModel.load(TINY, { horizons: [1] });
    try {
      const parity = readParity(TINY);
      const frame = image(parity.images[0] as ParityImage);
      const latents = await model.encode(frame);
      const goal = await model.encodeGoal(frame);
      const readout = goal.gripperReadout as number;
      const state = Float32Array.from([0.5, 0, 0.3, Math.PI, 0, 0, readout > 0.5 ? 0 : 1]); // the other way
      const plan = async (weight: number) =>
        new MpcPlanner(
          model,
          { ...resolvePlannerConfig(model.manifest, { samples: 64, iterations: 3, elites: 8 }), goalGripperWeight: weight },
          {
            rng: createRng(1),
            clock: () => performance.now(),
          },
        ).step({ latents, state, goal });
      const on = await plan(5);
      expect(on.status).toBe(PlannerStatus.OK);
      // a random-weight readout reads about 0.5: the planned closedness lands on it, from either side
      expect(Math.abs((state[6] as number) + (on.action[6] as number) - readout)).toBeLessThan(0.05);
      const off = await plan(0);
      expect(Math.abs((state[6] as number) + (off.action[6] as number) - readout)).toBeGreaterThan(0.05);
    } finally {
      await model.close();
    }
  });
});

describe('bad goal readouts', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'jepa-mpc-readout-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const variant = (name: string, edit?: (m: Record<string, unknown>) => void) => modelVariant(TINY, tmp, name, edit);

  it('refuses a goal-gripper weight without a readout to read the goal with', async () => {
    const dir = await variant('no-readout', (m) => {
      delete m['goalReadout'];
      (m['planning'] as Record<string, unknown>)['goalGripperWeight'] = 0.1;
    });
    await expectModelError(OnnxWorldModel.load(dir), 'MANIFEST_INVALID', /planning\.goalGripperWeight: needs a goalReadout graph/);
  });

  it('reports a missing readout file and one that does not follow the contract', async () => {
    const missing = await variant('missing-readout');
    await rm(join(missing, 'readout.onnx'));
    await expectModelError(OnnxWorldModel.load(missing), 'FILE_MISSING', /readout\.onnx is missing/);
    const wrong = await variant('wrong-readout');
    await copyFile(join(wrong, 'encoder.onnx'), join(wrong, 'readout.onnx'));
    await expectModelError(OnnxWorldModel.load(wrong), 'SHAPE_MISMATCH', /readout\.onnx does not follow the contract: .*need gripper/);
  });

  it('lets --goal-gripper-weight override the manifest, and refuses it for a model without a readout', async () => {
    const model = await OnnxWorldModel.load(TINY, { horizons: [1] });
    try {
      expect(runSettings({}, model, 'reach').planner.goalGripperWeight).toBe(0);
      expect(runSettings({ 'goal-gripper-weight': '0.2' }, model, 'reach').planner.goalGripperWeight).toBe(0.2);
      expect(() => runSettings({ 'goal-gripper-weight': '-1' }, model, 'reach')).toThrow(/goal-gripper-weight/);
      const { goalReadout: _, ...bare } = model.manifest;
      const noReadout = { manifest: bare } as unknown as OnnxWorldModel;
      expect(() => runSettings({ 'goal-gripper-weight': '0.2' }, noReadout, 'reach')).toThrow(/has no goal readout/);
    } finally {
      await model.close();
    }
  });
});
