/**
 * The wrist camera (TabletopSim.renderWrist): a view mounted on the hand in which a grasp fills
 * many patches, where the front camera sees it in one or two (issue 17; MODEL_CARD.md "Seeing the
 * grasp"). It leaves the front camera's frames as they were.
 */
import { describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { driveTo } from '../../src/loop/landscape.js';

const PX = 64;
const GRID = 4; // patches per side, as the shipped encoder's 16 tokens
const VISIBLE = 2; // mean grey levels a patch must change by to count
const GRASP_HEIGHT = 0.02; // m above the cube's centre: the fingers around the cube

/** Mean absolute change per pixel, and the patches changed by more than VISIBLE levels. */
function change(a: Uint8Array, b: Uint8Array): { mean: number; patches: number } {
  const side = PX / GRID;
  const patch = new Float64Array(GRID * GRID);
  let sum = 0;
  for (let i = 0; i < PX * PX; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs((a[3 * i + c] as number) - (b[3 * i + c] as number)) / 3;
    sum += d;
    const k = Math.floor(Math.floor(i / PX) / side) * GRID + Math.floor((i % PX) / side);
    patch[k] = (patch[k] as number) + d / (side * side);
  }
  return { mean: sum / (PX * PX), patches: patch.filter((p) => p > VISIBLE).length };
}

describe('wrist camera', () => {
  it('sees a grasp in many patches where the front camera sees it in few, and leaves the front frames alone', async () => {
    const sim = await TabletopSim.create({ task: 'pick-place', camera: { width: PX, height: PX }, shadows: true });
    try {
      for (const seed of [0, 1]) {
        sim.reset(seed);
        const cube = sim.cubePose().position;
        driveTo(sim, [cube[0] as number, cube[1] as number, (cube[2] as number) + GRASP_HEIGHT]);
        const front0 = sim.renderFrame();
        const wrist0 = sim.renderWrist();
        expect(wrist0).toHaveLength(PX * PX * 3);
        expect(sim.renderFrame()).toEqual(front0); // the main camera is not moved by the wrist view
        const close = new Float64Array(7);
        close[6] = 0.75;
        sim.step(close);
        const front = change(front0, sim.renderFrame());
        const wrist = change(wrist0, sim.renderWrist());
        expect(wrist.mean).toBeGreaterThan(5 * front.mean);
        expect(wrist.patches).toBeGreaterThanOrEqual(6);
        expect(front.patches).toBeLessThanOrEqual(4);
      }
    } finally {
      sim.close();
    }
  });
});
