/**
 * ComparingModel with analytic doubles: the planner sees only the reference's energies, each
 * variant is scored on its own latents of the same frames, and the recorded figures are exact.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Latents } from '../../src/core/types.js';
import { ComparingModel } from '../../src/model/comparing-model.js';
import type { RgbImage } from '../../src/model/image.js';
import type { WorldModel } from '../../src/model/world-model.js';
import { summariseVariant, variantPaths } from '../../src/cli/quantize-check.js';
import { projectRoot } from '../../src/paths.js';

const IMAGE: RgbImage = { width: 1, height: 1, data: Uint8Array.from([10, 20, 30]) };

/**
 * A double: latents = the image's bytes / 100 + `latentShift`; energy of candidate b = its first
 * action value × `scale` + `noise(b)` + the first latent (so a variant's latents reach its energies).
 */
function double(latentShift: number, scale: number, noise: (b: number) => number = () => 0): WorldModel {
  const encode = async (image: RgbImage): Promise<Latents> => ({ data: Float32Array.from(image.data, (v) => v / 100 + latentShift), tokens: 1, dim: 3 });
  return {
    manifest: { precision: 'fp32' } as WorldModel['manifest'],
    provider: 'cpu',
    encode,
    encodeGoal: encode,
    async bind(inputs) {
      return async (actions, batch) =>
        Float32Array.from({ length: batch }, (_, b) => (actions[b] as number) * scale + noise(b) + (inputs.latents.data[0] as number));
    },
  };
}

async function plan(model: ComparingModel, batch: number): Promise<Float32Array> {
  const z = await model.encode(IMAGE);
  const g = await model.encodeGoal(IMAGE);
  const energy = await model.bind({ latents: z, goal: g, state: new Float32Array(7), horizon: 1 });
  return energy(
    Float32Array.from({ length: batch }, (_, b) => b),
    batch,
  );
}

describe('ComparingModel', () => {
  it('returns the reference energies and records a perfect variant as perfect', async () => {
    const m = new ComparingModel(double(0, 1), [{ name: 'same', model: double(0, 1) }], { topK: 3 });
    const e = await plan(m, 30);
    expect(Array.from(e.subarray(0, 3))).toEqual([0.1, 1.1, 2.1].map((v) => Math.fround(v)));
    const [r] = m.results();
    expect(r?.latents).toEqual({ frames: 2, maxAbs: 0, meanAbs: 0 });
    expect(r?.batches).toHaveLength(1);
    expect(r?.batches[0]).toMatchObject({ plan: 0, batch: 30, spearman: 1, topK: 1, sameBest: true, maxAbsEnergy: 0, meanAbsEnergy: 0 });
    expect(m.planCount).toBe(1);
  });

  it('scores a variant on its own latents and records its latent and energy error', async () => {
    const m = new ComparingModel(double(0, 1), [{ name: 'shifted', model: double(0.5, 1) }]);
    await plan(m, 30);
    const [r] = m.results();
    expect(r?.latents.maxAbs).toBeCloseTo(0.5, 6);
    expect(r?.latents.meanAbs).toBeCloseTo(0.5, 6);
    expect(r?.batches[0]?.maxAbsEnergy).toBeCloseTo(0.5, 5); // its energies start from its own latents
    expect(r?.batches[0]?.spearman).toBe(1); // a constant shift keeps the order
  });

  it('records a reversed ranking', async () => {
    const m = new ComparingModel(double(0, 1), [{ name: 'reversed', model: double(0, -1) }], { topK: 10 });
    await plan(m, 40);
    const b = m.results()[0]?.batches[0];
    expect(b).toMatchObject({ spearman: -1, topK: 0, sameBest: false });
    expect(b?.energySpread).toBeCloseTo(39, 4);
  });

  it('summarises the first N plans, skipping batches too small to rank', async () => {
    const m = new ComparingModel(double(0, 1), [{ name: 'noisy', model: double(0, 1, (b) => (b === 0 ? 1.5 : 0)) }], { topK: 1 });
    await plan(m, 30); // plan 0: candidate 0 moves from best to 2nd
    await plan(m, 1); // plan 0's final mean: one candidate, no ranking
    await plan(m, 30); // plan 2: beyond --states 2
    const s = summariseVariant(m.results()[0] as never, 'int8', 2);
    expect(s.states).toBe(1);
    expect(s.batches).toBe(1);
    expect(s.sameBest).toBe(0);
    expect(s.topKMean).toBe(0);
    expect(s.spearmanMean).toBeGreaterThan(0.99);
    expect(s.energyMaxAbs).toBeCloseTo(1.5, 5);
    expect(s.meetsBar).toBe(false);
  });
});

describe('variantPaths', () => {
  it.each([
    ['int8', 'test-tiny', ['test-tiny/manifest-int8.json']],
    ['int8', 'test-tiny/manifest.json', ['test-tiny/manifest-int8.json']],
    ['int8', 'sim-jepa-ac', ['sim-jepa-ac/manifest.json']], // int8 is its default
    ['fp32,int8', 'sim-jepa-ac', ['sim-jepa-ac/manifest-fp32.json', 'sim-jepa-ac/manifest.json']],
    ['/tmp/x/manifest-int8.json', 'test-tiny', ['/tmp/x/manifest-int8.json']],
  ])('%s in models/%s: %j (resolved as --precision is)', (list, dir, expected) => {
    expect(variantPaths(list, join(projectRoot(), 'models', dir))).toEqual(expected.map((e) => (e.startsWith('/') ? e : join(projectRoot(), 'models', e))));
  });

  it.each([
    [' , ', /at least one manifest/],
    ['fp16-weights', /models\/test-tiny has no fp16-weights manifest; its precisions: fp32 \(manifest.json\), int8 \(manifest-int8.json\)/],
    ['int4', /--against must be one of fp32\|fp16\|int8\|fp16-weights, got 'int4'/],
  ])('refuses %j', (list, message) => {
    expect(() => variantPaths(list, join(projectRoot(), 'models', 'test-tiny'))).toThrow(message);
  });
});
