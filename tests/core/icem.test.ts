import { describe, expect, it } from 'vitest';
import { cem } from '../../src/core/cem.js';
import { ICEM_DEFAULTS } from '../../src/core/icem.js';
import { MpcPlanner, PLANNER_DEFAULTS } from '../../src/core/mpc.js';
import { colouredNoise, evaluationsPerPlan, populationAt } from '../../src/core/optimizer.js';
import { createRng } from '../../src/core/rng.js';
import type { EnergyFn } from '../../src/core/types.js';
import { l1Model, tickClock, vectorLatents } from './analytic-model.js';

const STATE = Float32Array.from([0.5, 0, 0.3, 3.14, 0, 0, 0.2]);
const A = STATE.length;

async function energyFor(offset: readonly number[], horizon = 1, stats?: { calls: number; candidates: number }) {
  const target = Array.from(STATE, (s, i) => s + (offset[i] ?? 0));
  return l1Model(stats ? { stats } : {}).bind({ latents: vectorLatents(Array.from(STATE)), state: STATE, goal: vectorLatents(target), horizon });
}

/** Lag-1 autocorrelation and variance of coloured noise over many draws (mean 0, std 1). */
function noiseStats(H: number, beta: number, draws = 4000) {
  const fill = colouredNoise(H, beta);
  const rng = createRng(7);
  const out = new Float32Array(H);
  const zeros = new Float32Array(H);
  const ones = new Float32Array(H).fill(1);
  let v = 0;
  let c = 0;
  for (let i = 0; i < draws; i++) {
    fill(rng, out, zeros, ones, 1);
    for (let t = 0; t < H; t++) v += (out[t] as number) ** 2;
    for (let t = 0; t + 1 < H; t++) c += (out[t] as number) * (out[t + 1] as number);
  }
  return { variance: v / (draws * H), lag1: c / (draws * (H - 1)) / (v / (draws * H)) };
}

describe('coloured noise', () => {
  it('has unit variance at every β and is correlated along the horizon when β > 0', () => {
    const white = noiseStats(16, 0);
    const brown = noiseStats(16, 2);
    expect(white.variance).toBeCloseTo(1, 1);
    expect(brown.variance).toBeCloseTo(1, 1);
    expect(Math.abs(white.lag1)).toBeLessThan(0.05);
    expect(brown.lag1).toBeGreaterThan(0.6);
  });
});

describe('iCEM', () => {
  it('shrinks the population by γ per iteration, never below 2·elites, and counts what it scores', async () => {
    const config = { ...ICEM_DEFAULTS, samples: 100, iterations: 4, elites: 10 };
    expect([0, 1, 2, 3].map((i) => populationAt(config, i))).toEqual([100, 80, 64, 51]);
    expect(populationAt({ ...config, elites: 40 }, 3)).toBe(80);
    expect(evaluationsPerPlan(config)).toBe(100 + 80 + 64 + 51 + 1);
    const stats = { calls: 0, candidates: 0 };
    const r = await cem(await energyFor([0.02, 0.01, -0.03], 1, stats), config, createRng(0), tickClock());
    expect(r.evaluations).toBe(evaluationsPerPlan(config));
    expect(stats.candidates).toBe(r.evaluations);
  });

  it('finds the known optimum with a third of CEM 800 x 10 evaluations', async () => {
    const offset = [0.03, -0.05, 0.02, 0, 0, 0, 0.5];
    const config = { ...ICEM_DEFAULTS, samples: 300, iterations: 6 };
    const r = await cem(await energyFor(offset), config, createRng(0), tickClock());
    expect(r.evaluations).toBeLessThan((800 * 10) / 3);
    for (let d = 0; d < 3; d++) expect(Math.abs((r.plan[d] as number) - (offset[d] as number))).toBeLessThan(0.005);
  });

  it('carries the elites into the next iteration: the best energy never rises', async () => {
    const config = { ...ICEM_DEFAULTS, samples: 40, iterations: 6, elites: 8, momentumMean: 0.9 };
    const r = await cem(await energyFor([0.05, 0.05, -0.05], 3), { ...config, horizon: 3 }, createRng(3), tickClock());
    for (let i = 1; i < r.iterationBest.length; i++) expect(r.iterationBest[i]).toBeLessThanOrEqual(r.iterationBest[i - 1] as number);
  });

  it("scores the previous plan's elites (shifted) in the next plan's first batch", async () => {
    const seen: Float32Array[] = [];
    const model = l1Model();
    const spy = {
      async bind(inputs: Parameters<typeof model.bind>[0]): Promise<EnergyFn> {
        const energy = await model.bind(inputs);
        return async (actions, batch) => {
          seen.push(actions.slice());
          return energy(actions, batch);
        };
      },
    };
    const icem = { ...ICEM_DEFAULTS, samples: 30, iterations: 2, elites: 10 };
    const planner = new MpcPlanner(spy, { ...PLANNER_DEFAULTS, optimizer: 'icem', icem }, { rng: createRng(1), clock: tickClock() });
    const goal = vectorLatents(Array.from(STATE, (s, i) => s + (i < 3 ? 0.2 : 0)));
    const inputs = { latents: vectorLatents(Array.from(STATE)), state: STATE, goal };
    const first = await planner.step(inputs);
    expect(first.status).toBe(0);
    const before = seen.length;
    // The first plan's last iteration: its batch's 3 best (30 % of 10 elites) are what is carried.
    const last = seen.slice(0, before).findLast((b) => b.length === populationAt(icem, 1) * A) as Float32Array;
    const energies = await (await model.bind({ ...inputs, horizon: 1 }))(last, last.length / A);
    const best = Array.from(energies.keys())
      .sort((a, b) => (energies[a] as number) - (energies[b] as number))
      .slice(0, 3);
    await planner.step(inputs);
    const firstBatch = seen[before] as Float32Array;
    // Candidate 0 is the mean; 1..3 the carried elites (horizon 1: shifted = repeated, so unchanged).
    for (const [row, b] of best.entries()) expect(Array.from(firstBatch.slice((row + 1) * A, (row + 2) * A))).toEqual(Array.from(last.slice(b * A, b * A + A)));
  });
});
