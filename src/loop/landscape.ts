/**
 * The energy landscape: energy to a goal image over a grid of end-effector offsets around the
 * goal position — the diagnostic that tells whether a world model can be planned with. The arm is
 * driven to each grid point in the simulator, the frame encoded, and its latent distance (mean
 * absolute difference, the planner's energy with a perfect predictor) to the goal's latents taken.
 * A usable model has its minimum at the goal and energy rising with distance (high rank
 * correlation), not a flat plateau beyond a few centimetres.
 */
import { simFrame } from './sim-frame.js';
import type { TabletopSim } from '../../sim/tabletop.js';
import type { RgbImage } from '../model/image.js';
import type { WorldModel } from '../model/world-model.js';
import { latentDistance } from '../core/latent-distance.js';

/** Steps allowed to reach a grid point, and how close counts as there (m). */
const DRIVE_STEPS = 14;
const DRIVE_TOLERANCE = 0.004;
/** Largest move per control step while driving (m). */
const DRIVE_STEP = 0.07;

/** Options of {@link energyLandscape}. */
export interface LandscapeOptions {
  /** Layout seed (the goal's episode seed). */
  readonly seed: number;
  /** Goal tool-centre position (m); the grid is centred on it in x and y at its height. */
  readonly center: ArrayLike<number>;
  /** Half-width of the grid (m, default 0.15). */
  readonly halfWidth?: number;
  /** Points per axis (default 9). */
  readonly points?: number;
  /** Called after every grid point. */
  readonly onPoint?: () => void;
}

/** A measured landscape. */
export interface Landscape {
  /** Offsets of the grid columns (x) and rows (y), in m. */
  readonly xs: number[];
  readonly ys: number[];
  /** energies[row][col] (NaN where the arm could not reach the point). */
  readonly energies: number[][];
  /** Distance of the reached tool centre to the goal position per cell (m). */
  readonly distances: number[][];
  /** Spearman rank correlation between energy and distance over the reachable cells. */
  readonly spearman: number;
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    for (let k = i; k <= j; k++) r[(order[k] as readonly [number, number])[1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation of two equally long series (NaN when undefined). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) return NaN;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (a.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (ra[i] as number) - mean;
    const y = (rb[i] as number) - mean;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : NaN;
}

/** Drives the tool centre to `target` with bounded steps; returns the reached position. */
export function driveTo(sim: TabletopSim, target: ArrayLike<number>): { frame: RgbImage; position: Float64Array } {
  let obs = sim.step(new Float64Array(7));
  for (let s = 0; s < DRIVE_STEPS; s++) {
    const err = [0, 1, 2].map((d) => (target[d] as number) - (obs.state[d] as number));
    if (Math.hypot(...err) < DRIVE_TOLERANCE) break;
    const scale = Math.min(1, DRIVE_STEP / Math.max(...err.map(Math.abs)));
    obs = sim.step(Float64Array.from([...err.map((e) => e * scale), 0, 0, 0, 0]));
  }
  return { frame: simFrame(obs, true), position: Float64Array.from(obs.state.subarray(0, 3)) };
}

/** Measures the energy landscape around a goal image's position. */
export async function energyLandscape(sim: TabletopSim, model: WorldModel, goal: RgbImage, o: LandscapeOptions): Promise<Landscape> {
  const half = o.halfWidth ?? 0.15;
  const n = o.points ?? 9;
  const offsets = Array.from({ length: n }, (_, i) => -half + (2 * half * i) / (n - 1));
  const goalLatents = await model.encodeGoal(goal);
  const energies: number[][] = [];
  const distances: number[][] = [];
  const flatE: number[] = [];
  const flatD: number[] = [];
  for (const dy of offsets) {
    const rowE: number[] = [];
    const rowD: number[] = [];
    for (const dx of offsets) {
      sim.reset(o.seed);
      const target = [(o.center[0] as number) + dx, (o.center[1] as number) + dy, o.center[2] as number];
      const { frame, position } = driveTo(sim, target);
      const d = Math.hypot(...[0, 1, 2].map((k) => (position[k] as number) - (o.center[k] as number)));
      const reached = Math.hypot(...[0, 1, 2].map((k) => (position[k] as number) - (target[k] as number))) < 0.02;
      const e = reached ? latentDistance(await model.encode(frame), goalLatents) : NaN;
      rowE.push(e);
      rowD.push(d);
      if (reached) {
        flatE.push(e);
        flatD.push(d);
      }
      o.onPoint?.();
    }
    energies.push(rowE);
    distances.push(rowD);
  }
  return { xs: offsets, ys: offsets, energies, distances, spearman: spearman(flatE, flatD) };
}
