/**
 * Shadows in the software camera: off by default (the shipped model's pictures), and when on they
 * darken the table under the arm and make motion along the camera ray visible — the depth cue
 * they exist for (src/loop/ray-probe.ts measures the model side).
 */
import { describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { driveTo } from '../../src/loop/landscape.js';
import { viewDirections } from '../../src/loop/ray-probe.js';

const CAMERA = { width: 64, height: 64 };
const STEP = 0.03;

async function withSim<T>(shadows: boolean, f: (sim: TabletopSim) => T | Promise<T>): Promise<T> {
  const sim = await TabletopSim.create({ task: 'pick-place', camera: CAMERA, shadows });
  try {
    return await f(sim);
  } finally {
    sim.close();
  }
}

/** Mean absolute pixel change when the tool moves STEP along and across the camera ray from p. */
function pixelChange(sim: TabletopSim, seed: number, p: number[]): { along: number; across: number } {
  const dirs = viewDirections(sim.camera.spec.eye, p);
  sim.reset(seed);
  const base = driveTo(sim, p).frame.data;
  const change = (dir: readonly number[]): number => {
    sim.reset(seed);
    const f = driveTo(
      sim,
      p.map((v, i) => v + STEP * dir[i]!),
    ).frame.data;
    let s = 0;
    for (let i = 0; i < f.length; i++) s += Math.abs(f[i]! - base[i]!);
    return s / f.length;
  };
  return { along: change(dirs.along), across: (change(dirs.horizontal) + change(dirs.vertical)) / 2 };
}

describe('shadows', () => {
  it('are off by default: the frame equals one rendered with shadows: false', async () => {
    const a = await withSim(false, (sim) => sim.reset(4).rgb.slice());
    const sim = await TabletopSim.create({ task: 'pick-place', camera: CAMERA });
    try {
      expect(Buffer.from(sim.reset(4).rgb).equals(Buffer.from(a))).toBe(true);
    } finally {
      sim.close();
    }
  });

  it('darken the frame (only) and make depth motion more visible', async () => {
    const p = [0.5, -0.05, 0.12];
    const plain = await withSim(false, (sim) => ({ frame: sim.reset(2).rgb.slice(), change: pixelChange(sim, 2, p) }));
    const shaded = await withSim(true, (sim) => ({ frame: sim.reset(2).rgb.slice(), change: pixelChange(sim, 2, p) }));
    let darker = 0;
    let brighter = 0;
    for (let i = 0; i < plain.frame.length; i += 3) {
      const d = shaded.frame[i]! + shaded.frame[i + 1]! + shaded.frame[i + 2]! - (plain.frame[i]! + plain.frame[i + 1]! + plain.frame[i + 2]!);
      if (d < 0) darker++;
      if (d > 0) brighter++;
    }
    expect(darker).toBeGreaterThan(20); // a visible shadow at 64 px
    expect(brighter).toBe(0);
    // Along the ray the picture hardly changes without shadows; with them clearly more.
    expect(plain.change.along / plain.change.across).toBeLessThan(0.5);
    expect(shaded.change.along).toBeGreaterThan(1.3 * plain.change.along);
  });
});
