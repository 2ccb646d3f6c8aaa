/**
 * The shipped sim world model (models/sim-jepa-ac): onnxruntime-node reproduces its PyTorch
 * parity fixture, and its energy prefers actions that move the tool toward an expert-rendered goal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExpertEpisode } from '../../sim/expert.js';
import { TabletopSim } from '../../sim/tabletop.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';

interface ParityImage { height: number; width: number; base64: string }
interface Parity {
  tolerance: number;
  image: ParityImage;
  goalImage: ParityImage;
  latents: number[];
  goalLatents: number[];
  state: number[];
  batch: number;
  rollouts: { horizon: number; actions: number[]; energy: number[] }[];
}

const DIR = modelDir('sim-jepa-ac');
const parity = JSON.parse(readFileSync(join(DIR, 'parity.json'), 'utf8')) as Parity;
const STEP = 0.075;
const image = (p: ParityImage) => ({ width: p.width, height: p.height, data: new Uint8Array(Buffer.from(p.base64, 'base64')) });
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

describe('models/sim-jepa-ac', () => {
  let model: OnnxWorldModel;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(DIR);
  });
  afterAll(async () => {
    await model.close();
  });

  it('matches its PyTorch parity fixture (encoder and every rollout horizon)', async () => {
    const z = await model.encode(image(parity.image));
    expect(maxAbsDiff(z.data, parity.latents)).toBeLessThan(parity.tolerance);
    const { tokens, dim } = model.manifest.encoder.output;
    for (const r of parity.rollouts) {
      const energy = await model.bind({
        latents: { data: Float32Array.from(parity.latents), tokens, dim },
        goal: { data: Float32Array.from(parity.goalLatents), tokens, dim },
        state: Float32Array.from(parity.state),
        horizon: r.horizon,
      });
      expect(maxAbsDiff(await energy(Float32Array.from(r.actions), parity.batch), r.energy)).toBeLessThan(parity.tolerance);
    }
  });

  it('scores a step toward an expert-rendered reach goal lower than a step away from it', async () => {
    const size = model.manifest.encoder.input.height;
    const sim = await TabletopSim.create({ task: 'reach', camera: { width: size, height: size } });
    const goalSim = await TabletopSim.create({ task: 'reach', camera: { width: size, height: size } });
    try {
      for (const seed of [11, 12, 13]) {
        const expert = runExpertEpisode(goalSim, seed, { keepObservations: true, extraSteps: 2 });
        const goalObs = expert.observations[expert.observations.length - 1];
        if (!goalObs) throw new Error('no goal frame');
        const obs = sim.reset(seed);
        const d = [0, 1, 2].map((i) => (goalObs.state[i] as number) - (obs.state[i] as number));
        const s = STEP / Math.max(...d.map(Math.abs));
        const toward = [d[0]! * s, d[1]! * s, d[2]! * s, 0, 0, 0, 0];
        const away = toward.map((v) => -v);
        const energy = await model.bind({
          latents: await model.encode({ width: obs.width, height: obs.height, data: obs.rgb }),
          goal: await model.encodeGoal({ width: goalObs.width, height: goalObs.height, data: goalObs.rgb }),
          state: Float32Array.from(obs.state),
          horizon: 1,
        });
        const [eToward, eAway] = await energy(Float32Array.from([...toward, ...away]), 2);
        expect(eToward).toBeLessThan(eAway as number);
      }
    } finally {
      sim.close();
      goalSim.close();
    }
  });
});
