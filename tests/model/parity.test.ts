/**
 * onnxruntime-node against PyTorch, for every shipped model: each model's exporter saved fixed
 * inputs and the PyTorch outputs (models/<name>/parity.json); the TypeScript path (preprocessing
 * included) must reproduce them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { image, maxAbsDiff, readParity } from './parity-fixture.js';

/** Models shipped with a parity fixture. */
const MODELS = ['test-tiny', 'test-tiny-wrist', 'sim-jepa-ac', 'sim-jepa-ac-wrist', 'vjepa2-tiny'];

describe.each(MODELS)('ONNX vs PyTorch parity (%s)', (name) => {
  const DIR = modelDir(name);
  const parity = readParity(DIR);
  let model: OnnxWorldModel;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(DIR);
  });
  afterAll(async () => {
    await model.close();
  });

  it('is a parity fixture this test understands', () => {
    expect(parity.format).toBe('jepa-mpc/parity@1');
    expect(parity.rollouts.map((r) => r.horizon)).toEqual(model.manifest.rollout.map((r) => r.horizon));
  });

  it('encodes both images to the PyTorch latents (TypeScript preprocessing included)', async () => {
    const z = await model.encode(image(parity.image));
    const g = await model.encode(image(parity.goalImage));
    expect(maxAbsDiff(z.data, parity.latents)).toBeLessThan(parity.tolerance);
    expect(maxAbsDiff(g.data, parity.goalLatents)).toBeLessThan(parity.tolerance);
  });

  it.each(parity.rollouts.map((r) => [r.horizon, r] as const))('rolls out horizon %d to the PyTorch energies', async (horizon, r) => {
    const { tokens, dim } = model.manifest.encoder.output;
    const energy = await model.bind({
      latents: { data: Float32Array.from(parity.latents), tokens, dim },
      goal: { data: Float32Array.from(parity.goalLatents), tokens, dim },
      state: Float32Array.from(parity.state),
      horizon,
    });
    const e = await energy(Float32Array.from(r.actions), parity.batch);
    expect(maxAbsDiff(e, r.energy)).toBeLessThan(parity.tolerance);
    expect(new Set(r.energy.map((v) => v.toFixed(5))).size).toBe(parity.batch); // the candidates really differ
  });
});
