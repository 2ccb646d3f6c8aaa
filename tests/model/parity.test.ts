/**
 * onnxruntime-node against PyTorch, for every shipped model and every CPU precision it ships: each
 * model's exporter saved fixed inputs and the fp32 PyTorch outputs (models/<name>/parity.json);
 * the TypeScript path (preprocessing included) must reproduce them, within the fixture's tolerance
 * for fp32 graphs and the precision's (QUANTIZED_TOLERANCE) for quantised ones — sim-jepa-ac's
 * default manifest is int8, its fp32 one manifest-fp32.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderPrecisions, type Precision } from '../../src/model/manifest.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { image, maxAbsDiff, QUANTIZED_TOLERANCE, readParity } from './parity-fixture.js';

/** Models shipped with a parity fixture. */
const MODELS = ['test-tiny', 'test-tiny-wrist', 'sim-jepa-ac', 'sim-jepa-ac-wrist', 'sim-jepa-ac-worlds', 'vjepa2-tiny'];
/** The precisions checked here: the CPU ones (fp16's float16 graphs are a GPU export, vjepa2-tiny.test.ts). */
const CPU_PRECISIONS: readonly Precision[] = ['fp32', 'int8', 'fp16-weights'];

const CASES = MODELS.flatMap((name) =>
  folderPrecisions(modelDir(name))
    .filter((p) => CPU_PRECISIONS.includes(p.precision))
    .map((p) => [name, p.precision] as const),
);

it('checks every shipped precision, sim-jepa-ac int8 (its default) and fp32', () => {
  expect(CASES.filter(([name]) => name === 'sim-jepa-ac').map(([, p]) => p)).toEqual(['int8', 'fp32']);
});

describe.each(CASES)('ONNX vs PyTorch parity (%s, %s)', (name, precision) => {
  const DIR = modelDir(name);
  const parity = readParity(DIR);
  /** Energies' tolerance: the fixture's for fp32, the precision's for quantised rollouts (the encoder stays fp32). */
  const tolerance = precision === 'fp32' ? parity.tolerance : QUANTIZED_TOLERANCE[precision as keyof typeof QUANTIZED_TOLERANCE];
  let model: OnnxWorldModel;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(DIR, { precision });
  });
  afterAll(async () => {
    await model.close();
  });

  it('is a parity fixture this test understands', () => {
    expect(model.manifest.precision).toBe(precision);
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
    expect(maxAbsDiff(e, r.energy)).toBeLessThan(tolerance);
    expect(new Set(r.energy.map((v) => v.toFixed(5))).size).toBe(parity.batch); // the candidates really differ
  });
});
