/**
 * A quantised world model through onnxruntime-node (models/test-tiny/manifest-int8.json, written by
 * models/jepa_ac/quantize.py): the manifest's precision is read, the int8 rollout graphs run on the
 * CPU provider with float32 tensors, stay within the int8 tolerance of the fp32 PyTorch fixture,
 * really differ from the fp32 graphs, and order candidates as the fp32 model does.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { spearman } from '../../src/core/ranking.js';
import { loadManifest, parseManifest } from '../../src/model/manifest.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { image, maxAbsDiff, QUANTIZED_TOLERANCE, readParity } from './parity-fixture.js';

const DIR = modelDir('test-tiny');
const INT8 = join(DIR, 'manifest-int8.json');
const parity = readParity(DIR);

describe('manifest precision', () => {
  it.each(['fp32', 'fp16', 'int8', 'fp16-weights'])('accepts %s', async (precision) => {
    const { manifest } = await loadManifest(DIR);
    expect(parseManifest({ ...manifest, precision }).precision).toBe(precision);
  });

  it.each(['int4', 'bf16', ''])('rejects %j with its JSON path', async (precision) => {
    const { manifest } = await loadManifest(DIR);
    expect(() => parseManifest({ ...manifest, precision }, 'm.json')).toThrow(/precision/);
  });
});

describe('models/test-tiny int8 through onnxruntime-node', () => {
  let fp32: OnnxWorldModel;
  let int8: OnnxWorldModel;
  beforeAll(async () => {
    fp32 = await OnnxWorldModel.load(DIR, { provider: 'cpu', intraOpThreads: 1 });
    int8 = await OnnxWorldModel.load(INT8, { provider: 'cpu', intraOpThreads: 1 });
  });
  afterAll(async () => {
    await fp32.close();
    await int8.close();
  });

  it('reads the precision and keeps the fp32 encoder', async () => {
    expect(int8.manifest.precision).toBe('int8');
    expect(int8.manifest.rollout.map((r) => r.file)).toEqual(['rollout-h1-int8.onnx', 'rollout-h3-int8.onnx']);
    const z = await int8.encode(image(parity.image));
    expect(maxAbsDiff(z.data, parity.latents)).toBeLessThan(parity.tolerance);
  });

  it.each(parity.rollouts.map((r) => [r.horizon, r] as const))('horizon %d: within the int8 tolerance of PyTorch, and not fp32', async (horizon, r) => {
    const { tokens, dim } = int8.manifest.encoder.output;
    const inputs = {
      latents: { data: Float32Array.from(parity.latents), tokens, dim },
      goal: { data: Float32Array.from(parity.goalLatents), tokens, dim },
      state: Float32Array.from(parity.state),
      horizon,
    };
    const e8 = await (await int8.bind(inputs))(Float32Array.from(r.actions), parity.batch);
    const e32 = await (await fp32.bind(inputs))(Float32Array.from(r.actions), parity.batch);
    expect(maxAbsDiff(e8, r.energy)).toBeLessThan(QUANTIZED_TOLERANCE.int8);
    expect(maxAbsDiff(e32, r.energy)).toBeLessThan(parity.tolerance);
    expect(maxAbsDiff(e8, e32)).toBeGreaterThan(1e-6); // the integer kernels really ran
  });

  it('orders 100 candidates as the fp32 model does', async () => {
    const { tokens, dim } = int8.manifest.encoder.output;
    const inputs = {
      latents: { data: Float32Array.from(parity.latents), tokens, dim },
      goal: { data: Float32Array.from(parity.goalLatents), tokens, dim },
      state: Float32Array.from(parity.state),
      horizon: 1,
    };
    const rng = createRng(5);
    const lower = int8.manifest.planning.lower;
    const upper = int8.manifest.planning.upper;
    const actions = Float32Array.from({ length: 100 * 7 }, (_, i) => {
      const lo = lower[i % 7] as number;
      const hi = upper[i % 7] as number;
      return lo + (hi - lo) * rng.uniform();
    });
    const e8 = await (await int8.bind(inputs))(actions, 100);
    const e32 = await (await fp32.bind(inputs))(actions, 100);
    expect(spearman(e8, e32)).toBeGreaterThan(0.95); // random weights: the energies lie within ~0.01
  });
});
