/**
 * The V-JEPA 2-AC export path end to end on its tiny configuration (models/vjepa2-tiny, made by
 * `/usr/bin/python3 -m models.vjepa2.make_tiny` from a random checkpoint in the released layout):
 * both manifests pass the schema, onnxruntime-node reproduces the PyTorch outputs of parity.json
 * (float32 tightly, float16 loosely), and the paper's CEM plans with it through the same
 * OnnxWorldModel + MpcPlanner path as every other model.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MpcPlanner, PLANNER_DEFAULTS } from '../../src/core/mpc.js';
import { createRng } from '../../src/core/rng.js';
import { PlannerStatus } from '../../src/core/status.js';
import { loadManifest } from '../../src/model/manifest.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { image, maxAbsDiff, readParity } from './parity-fixture.js';

const DIR = modelDir('vjepa2-tiny');
const FP16_MANIFEST = join(DIR, 'manifest-fp16.json');
/** float16 graphs against float64 PyTorch: half precision through two blocks. */
const FP16_TOLERANCE = { latents: 2e-2, energy: 2e-3 };

const parity = readParity(DIR);

/** Encodes the parity images and scores every fixture rollout; returns the max differences. */
async function parityDiffs(model: OnnxWorldModel): Promise<{ latents: number; energy: number }> {
  const z = await model.encode(image(parity.image));
  const g = await model.encode(image(parity.goalImage));
  let energy = 0;
  for (const r of parity.rollouts) {
    const bound = await model.bind({ latents: z, goal: g, state: Float32Array.from(parity.state), horizon: r.horizon });
    energy = Math.max(energy, maxAbsDiff(await bound(Float32Array.from(r.actions), parity.batch), r.energy));
  }
  return { latents: Math.max(maxAbsDiff(z.data, parity.latents), maxAbsDiff(g.data, parity.goalLatents)), energy };
}

describe('models/vjepa2-tiny (V-JEPA 2-AC export path)', () => {
  let model: OnnxWorldModel;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(DIR, { provider: 'cpu' });
  });
  afterAll(async () => {
    await model.close();
  });

  it.each([
    ['manifest.json', 'fp32'],
    ['manifest-fp16.json', 'fp16'],
  ])('%s is a valid manifest (NCTHW tubelet, external encoder data, paper CEM)', async (file, precision) => {
    const { manifest } = await loadManifest(join(DIR, file));
    expect(manifest.precision).toBe(precision);
    expect(manifest.encoder.input).toMatchObject({ layout: 'NCTHW', frames: 2, resize: 'center-crop', height: 32, width: 32 });
    expect(manifest.encoder.externalData).toHaveLength(1);
    expect(manifest.rollout.map((r) => r.horizon)).toEqual([1, 2]);
    expect(manifest.planning).toMatchObject({ samples: 800, iterations: 10, elites: 10, horizon: 1, pinned: [3, 4, 5], gripperSnap: 0.25 });
  });

  it('reproduces the PyTorch latents and energies (float32 graphs)', async () => {
    const d = await parityDiffs(model);
    expect(d.latents).toBeLessThan(parity.tolerance);
    expect(d.energy).toBeLessThan(parity.tolerance);
    const h1 = parity.rollouts.find((r) => r.horizon === 1);
    const predicted = await model.predict(
      {
        latents: await model.encode(image(parity.image)),
        goal: await model.encode(image(parity.goalImage)),
        state: Float32Array.from(parity.state),
        horizon: 1,
      },
      Float32Array.from(h1?.actions ?? []),
      parity.batch,
    );
    const flat = new Float32Array(predicted.reduce((n, p) => n + p.data.length, 0));
    predicted.forEach((p, i) => flat.set(p.data, i * p.data.length));
    expect(maxAbsDiff(flat, h1?.predicted ?? [])).toBeLessThan(parity.tolerance);
  });

  it('runs the float16 graphs close to PyTorch', async () => {
    const half = await OnnxWorldModel.load(FP16_MANIFEST, { provider: 'cpu' });
    try {
      expect(half.manifest.precision).toBe('fp16');
      const d = await parityDiffs(half);
      expect(d.latents).toBeLessThan(FP16_TOLERANCE.latents);
      expect(d.energy).toBeLessThan(FP16_TOLERANCE.energy);
    } finally {
      await half.close();
    }
  });

  it('plans with the paper CEM and finds a known optimum: the goal is the prediction for a*', async () => {
    const latents = await model.encode(image(parity.image));
    const state = Float32Array.from([0.45, -0.05, 0.25, 3.1, 0.05, -0.1, 0.3]);
    const target = [0.04, -0.03, 0.05, 0, 0, 0, 0.5];
    const [goal] = await model.predict({ latents, goal: latents, state, horizon: 1 }, Float32Array.from(target), 1);
    const plan = () => new MpcPlanner(model, PLANNER_DEFAULTS, { rng: createRng(3), clock: () => performance.now() }).step({ latents, goal: goal!, state });
    const r = await plan();
    expect(r.status).toBe(PlannerStatus.OK);
    expect(Array.from(r.action)).toEqual(Array.from((await plan()).action)); // same seed, same plan
    expect(Array.from(r.action.slice(3, 6))).toEqual([0, 0, 0]); // rotations pinned
    for (let d = 0; d < 3; d++) expect(Math.abs(r.action[d] as number)).toBeLessThanOrEqual(0.075 + 1e-6);
    const xyzError = Math.hypot(...[0, 1, 2].map((d) => (r.action[d] as number) - (target[d] as number)));
    expect(xyzError).toBeLessThan(0.01);
    expect(Math.abs((r.action[6] as number) - 0.5)).toBeLessThan(0.1);
    expect(r.eliteEnergies.at(-1)).toBeLessThan(r.eliteEnergies[0] as number);
  });
});
