/**
 * A contact sheet of what a collection will look like: the first frame of each of its first
 * episodes, drawn exactly as `collect` would draw them (the episode's layout and, with
 * `randomise`, its randomised appearance) — to see a randomisation before spending minutes on it.
 */
import type { Randomisable } from '../../sim/randomise.js';
import { Canvas } from '../viz/canvas.js';
import { planEpisode } from './episode.js';
import type { CollectMix } from './format.js';
import { episodeSim, SimPool } from './shard.js';

/** What to preview. */
export interface PreviewOptions {
  readonly seed: number;
  readonly episodes: number;
  readonly size: number;
  readonly mix: CollectMix;
  readonly shadows: boolean;
  readonly randomise: readonly Randomisable[];
  /** Frames per row of the sheet (default 8). */
  readonly columns?: number;
  /** Pixels each frame is scaled by (default 2). */
  readonly scale?: number;
}

/** Gap between frames (px). */
const GAP = 2;

/** The sheet: episodes' first frames, left to right, top to bottom, on white. */
export async function previewSheet(o: PreviewOptions): Promise<Canvas> {
  const columns = o.columns ?? 8;
  const scale = o.scale ?? 2;
  const rows = Math.ceil(o.episodes / columns);
  const cell = o.size * scale + GAP;
  const canvas = new Canvas(Math.min(o.episodes, columns) * cell + GAP, rows * cell + GAP);
  const pool = new SimPool({ size: o.size, steps: 0, shadows: o.shadows, wrist: false, distractors: o.randomise.includes('distractors') });
  try {
    for (let k = 0; k < o.episodes; k++) {
      const plan = planEpisode(o.seed, k, o.mix);
      const { sim } = await episodeSim(pool, plan, o.randomise);
      const frame = sim.reset(plan.layoutSeed);
      canvas.blit({ width: frame.width, height: frame.height, data: frame.rgb }, GAP + (k % columns) * cell, GAP + Math.floor(k / columns) * cell, scale);
    }
  } finally {
    pool.close();
  }
  return canvas;
}
