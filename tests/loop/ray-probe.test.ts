/**
 * The depth probe's geometry (a displacement along the view direction keeps the tool on the same
 * pixel, one across it moves the tool in the image) and its plumbing with a real model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { expertGoals } from '../../src/loop/goals.js';
import { rayProbe, viewDirections } from '../../src/loop/ray-probe.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';

const SIM = { task: 'reach' as const, camera: { width: 64, height: 64 } };
const D = 0.04;

describe('ray probe', () => {
  let sim: TabletopSim;
  beforeAll(async () => {
    sim = await TabletopSim.create(SIM);
  });
  afterAll(() => sim.close());

  it('splits space into the viewing ray and two image directions', () => {
    const p = [0.5, 0.05, 0.15];
    const { along, horizontal, vertical } = viewDirections(sim.camera.spec.eye, p);
    const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
    for (const v of [along, horizontal, vertical]) expect(Math.hypot(...v)).toBeCloseTo(1, 9);
    expect(dot(along, horizontal)).toBeCloseTo(0, 9);
    expect(dot(along, vertical)).toBeCloseTo(0, 9);
    expect(dot(horizontal, vertical)).toBeCloseTo(0, 9);
    const at = (dir: number[]) => sim.project(p.map((v, i) => v + D * dir[i]!))!;
    const c = sim.project(p)!;
    const moved = (dir: number[]) => Math.hypot(at(dir).u - c.u, at(dir).v - c.v);
    expect(moved(along)).toBeLessThan(1e-6); // same pixel: only depth changes
    expect(moved(horizontal)).toBeGreaterThan(1);
    expect(moved(vertical)).toBeGreaterThan(1);
    expect(at(along).depth).toBeGreaterThan(c.depth);
  });

  it('drives the arm to each displacement and reports finite energies for a reachable goal', async () => {
    const model = await OnnxWorldModel.load(modelDir('test-tiny'));
    try {
      const goals = await expertGoals(SIM, 'reach', 5);
      const probe = await rayProbe(sim, model, goals.frames[0]!, goals.tcpPositions[0]!, 5);
      expect(probe.distance).toBe(D);
      for (const e of [probe.along, probe.horizontal, probe.vertical]) {
        expect(Number.isFinite(e)).toBe(true);
        expect(e).toBeGreaterThan(0);
      }
    } finally {
      await model.close();
    }
  });
});
