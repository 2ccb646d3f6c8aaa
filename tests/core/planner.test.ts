import { describe, expect, it } from 'vitest';
import { PAPER_ACTION_SPACE, clampActions, snapGripper, type ActionSpace } from '../../src/core/action-space.js';
import { CEM_DEFAULTS, cem, type CemConfig } from '../../src/core/cem.js';
import { MPPI_DEFAULTS, mppi } from '../../src/core/mppi.js';
import { rankEnergies } from '../../src/core/optimizer.js';
import { createRng } from '../../src/core/rng.js';
import { l1Model, tickClock, vectorLatents } from './analytic-model.js';

const STATE = Float32Array.from([0.5, 0, 0.3, 3.14, 0, 0, 0.2]);

async function energyFor(target: readonly number[], horizon = 1, options = {}) {
  return l1Model(options).bind({
    latents: vectorLatents(Array.from(STATE)),
    state: STATE,
    goal: vectorLatents(target),
    horizon,
  });
}

/** Target = state + offset. */
function offsetTarget(offset: readonly number[]): number[] {
  return Array.from(STATE, (s, i) => s + (offset[i] ?? 0));
}

describe('action space', () => {
  it.each([
    [
      [0.1, -0.2, 0.01, 0.3, -0.3, 1, 0.9],
      [0.075, -0.075, 0.01, 0, 0, 0, 0.75],
    ],
    [
      [NaN, 0, 0, 0, 0, 0, -2],
      [0, 0, 0, 0, 0, 0, -0.75],
    ],
    [
      [-0.075, 0.075, 0, 0, 0, 0, 0],
      [-0.075, 0.075, 0, 0, 0, 0, 0],
    ],
  ])('clamps %j to %j', (input, expected) => {
    const a = Float32Array.from(input);
    clampActions(a, PAPER_ACTION_SPACE);
    expect(Array.from(a)).toEqual(Array.from(Float32Array.from(expected)));
  });

  it.each([
    [0.2, 0],
    [-0.24, 0],
    [0.25, 0.25],
    [-0.6, -0.6],
  ])('snaps gripper %d to %d', (g, expected) => {
    const a = Float32Array.from([0, 0, 0, 0, 0, 0, g]);
    snapGripper(a, PAPER_ACTION_SPACE);
    expect(a[6]).toBeCloseTo(expected, 6);
  });

  it('ranks NaN and Inf energies last', () => {
    const order = rankEnergies(Float32Array.from([3, NaN, 1, Infinity, 2, -Infinity]));
    expect(Array.from(order.slice(0, 3))).toEqual([2, 4, 0]);
  });
});

describe('CEM with the paper settings', () => {
  it('finds the known optimum inside the bounds', async () => {
    const offset = [0.03, -0.05, 0.02, 0, 0, 0, 0.5];
    const energy = await energyFor(offsetTarget(offset));
    const r = await cem(energy, CEM_DEFAULTS, createRng(0), tickClock());
    expect(r.status).toBe('ok');
    for (let d = 0; d < 3; d++) expect(Math.abs((r.plan[d] as number) - (offset[d] as number))).toBeLessThan(0.005);
    expect(Math.abs((r.plan[6] as number) - 0.5)).toBeLessThan(0.05);
    expect(r.energy).toBeLessThan(0.06);
    expect(r.iterations).toBe(10);
    expect(r.evaluations).toBe(800 * 10 + 1);
  });

  it('lowers the elite energy from the first to the last iteration', async () => {
    const energy = await energyFor(offsetTarget([0.06, 0.06, -0.06, 0, 0, 0, -0.6]));
    const r = await cem(energy, CEM_DEFAULTS, createRng(1), tickClock());
    const first = r.eliteEnergies[0] as number;
    const last = r.eliteEnergies.at(-1) as number;
    expect(last).toBeLessThan(first * 0.3);
    for (let i = 1; i < r.iterationBest.length; i++) {
      // Momentum keeps the best candidate of later iterations near the best so far.
      expect(r.iterationBest[i]).toBeLessThan((r.iterationBest[0] as number) + 1e-6);
    }
  });

  it('returns the bound when the optimum lies outside it, and keeps rotations pinned', async () => {
    const energy = await energyFor(offsetTarget([0.3, -0.3, 0, 0.5, 0.5, 0.5, 0]));
    const r = await cem(energy, CEM_DEFAULTS, createRng(2), tickClock());
    expect(r.plan[0]).toBeCloseTo(0.075, 3);
    expect(r.plan[1]).toBeCloseTo(-0.075, 3);
    expect(Array.from(r.plan.slice(3, 6))).toEqual([0, 0, 0]);
  });

  it('gives the same plan for the same seed and a different one for another seed', async () => {
    const energy = await energyFor(offsetTarget([0.01, 0.02, 0.03, 0, 0, 0, 0]));
    const a = await cem(energy, CEM_DEFAULTS, createRng(5), tickClock());
    const b = await cem(energy, CEM_DEFAULTS, createRng(5), tickClock());
    const c = await cem(energy, CEM_DEFAULTS, createRng(6), tickClock());
    expect(Array.from(a.plan)).toEqual(Array.from(b.plan));
    expect(Array.from(a.plan)).not.toEqual(Array.from(c.plan));
  });

  it('never chooses candidates with NaN energy', async () => {
    // The optimum (x = +0.06) lies in the NaN region x > 0.04: the plan must stay out of it.
    const nanWhere = (a: Float32Array) => (a[0] as number) > 0.04;
    const energy = await energyFor(offsetTarget([0.06, 0, 0, 0, 0, 0, 0]), 1, { nanWhere });
    const r = await cem(energy, { ...CEM_DEFAULTS, select: 'best' }, createRng(3), tickClock());
    expect(r.status).toBe('ok');
    expect(r.nonFinite).toBeGreaterThan(0);
    expect(r.plan[0]).toBeLessThanOrEqual(0.04);
    expect(r.plan[0]).toBeGreaterThan(0.03);
    expect(Number.isFinite(r.energy)).toBe(true);
  });

  it('reports non-finite when every energy is NaN', async () => {
    const energy = await energyFor(offsetTarget([0, 0, 0, 0, 0, 0, 0]), 1, { nanWhere: () => true });
    const r = await cem(energy, CEM_DEFAULTS, createRng(3), tickClock());
    expect(r.status).toBe('non-finite');
    expect(Array.from(r.plan)).toEqual(new Array(7).fill(0));
  });

  it('plans multi-step sequences whose sum reaches the target', async () => {
    const offset = [0.12, -0.1, 0.05, 0, 0, 0, 0];
    const energy = await energyFor(offsetTarget(offset), 3);
    const config: CemConfig = { ...CEM_DEFAULTS, horizon: 3, iterations: 15 };
    const r = await cem(energy, config, createRng(4), tickClock());
    for (let d = 0; d < 3; d++) {
      const sum = (r.plan[d] as number) + (r.plan[7 + d] as number) + (r.plan[14 + d] as number);
      expect(Math.abs(sum - (offset[d] as number))).toBeLessThan(0.01);
    }
  });

  it('holds custom bounds', async () => {
    const space: ActionSpace = { ...PAPER_ACTION_SPACE, lower: [-0.01, -0.01, -0.01, 0, 0, 0, 0], upper: [0.01, 0.01, 0.01, 0, 0, 0, 0] };
    const energy = await energyFor(offsetTarget([0.05, 0.05, 0.05, 0, 0, 0, 0.5]));
    const r = await cem(energy, { ...CEM_DEFAULTS, space, initStd: [0.01, 0.01, 0.01, 0, 0, 0, 0] }, createRng(0), tickClock());
    for (const v of r.plan) expect(Math.abs(v)).toBeLessThanOrEqual(0.01 + 1e-7);
  });

  it.each([
    [{ elites: 900 }, /elites \(900\) must not exceed samples/],
    [{ samples: 0 }, /samples must be an integer >= 1/],
    [{ momentumMean: 1 }, /momentumMean must be in \[0, 1\)/],
    [{ initStd: [1, 2] }, /initStd has 2 entries/],
  ])('rejects the bad config %j', async (patch, message) => {
    const energy = await energyFor(offsetTarget([0, 0, 0, 0, 0, 0, 0]));
    await expect(cem(energy, { ...CEM_DEFAULTS, ...patch } as CemConfig, createRng(0), tickClock())).rejects.toThrow(message);
  });
});

describe('MPPI', () => {
  it('finds the known optimum', async () => {
    const offset = [-0.04, 0.025, 0.06, 0, 0, 0, -0.4];
    const energy = await energyFor(offsetTarget(offset));
    const r = await mppi(energy, MPPI_DEFAULTS, createRng(0), tickClock());
    for (let d = 0; d < 3; d++) expect(Math.abs((r.plan[d] as number) - (offset[d] as number))).toBeLessThan(0.006);
    expect(r.eliteEnergies.at(-1)).toBeLessThan((r.eliteEnergies[0] as number) * 0.5);
  });

  it('is deterministic per seed', async () => {
    const energy = await energyFor(offsetTarget([0.01, 0.01, 0.01, 0, 0, 0, 0]));
    const a = await mppi(energy, MPPI_DEFAULTS, createRng(9), tickClock());
    const b = await mppi(energy, MPPI_DEFAULTS, createRng(9), tickClock());
    expect(Array.from(a.plan)).toEqual(Array.from(b.plan));
  });
});
