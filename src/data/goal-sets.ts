/**
 * Goal sets: for each layout seed, the episode's first frame and the goal frames of a subgoal
 * scheme, made by the scripted expert exactly as `eval` makes its goal images (src/loop/goals.ts),
 * with the expert's 7-D state at each goal frame. Training data for a subgoal proposer: from the
 * first frame and the final goal it learns the stages between (models/jepa_ac/proposer.py).
 *
 * Folder layout (`jepa-mpc/goal-sets@1`), arrays flat little-endian C order like the datasets:
 *   frames.u8   uint8   [N, 1 + K, H, W, 3]  the first frame, then the K goal frames
 *   states.f32  float32 [N, 1 + K, 7]        the state at the first frame, then the expert's at each goal frame
 *   seeds.i32   int32   [N]                  layout seed of each set
 *   manifest.json                            written last: format, count, size, names, shadows, …
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpertOptions } from '../../sim/expert.js';
import { withAppearance } from '../../sim/appearance.js';
import { describePerturbation, isPerturbed, perturbedOptions, type Perturbation } from '../../sim/perturb.js';
import { randomAppearance, type Randomisable } from '../../sim/randomise.js';
import { DEFAULT_CAMERA, type TabletopOptions } from '../../sim/tabletop.js';
import type { TaskName } from '../../sim/tasks.js';
import { expertGoals, SUBGOAL_PLANS, type SubgoalScheme } from '../loop/goals.js';
import { concat } from './shard.js';

/** Format tag of a goal-set folder. */
export const GOAL_SETS_FORMAT = 'jepa-mpc/goal-sets@1';

/** State size (the contract's 7-D end-effector state). */
const STATE_DIM = 7;

/** What to collect. */
export interface GoalSetOptions {
  readonly outDir: string;
  /** Layout seeds seed, seed + 1, … */
  readonly seed: number;
  readonly count: number;
  readonly task: TaskName;
  readonly scheme: SubgoalScheme;
  /** Simulator options (image size, shadows, control period): those of the runs the proposer will serve. */
  readonly sim: TabletopOptions;
  readonly expert: ExpertOptions;
  /** What each set's appearance varies, seeded by its layout seed (sim/randomise.ts; default nothing). */
  readonly randomise?: readonly Randomisable[];
  /** One perturbation for every set, as `eval`'s flags draw it (the camera moved per seed; default none). */
  readonly perturbation?: Perturbation;
  /** Called after each set. */
  readonly onProgress?: (done: number) => void;
}

/** The manifest of a goal-set folder. */
export interface GoalSetManifest {
  readonly format: typeof GOAL_SETS_FORMAT;
  readonly task: TaskName;
  readonly scheme: SubgoalScheme;
  readonly count: number;
  readonly width: number;
  readonly height: number;
  /** 'start', then the scheme's subgoal names. */
  readonly names: string[];
  readonly seeds: { readonly first: number; readonly last: number };
  /** Layout seeds the expert failed on (left out). */
  readonly skipped: number[];
  readonly shadows: boolean;
  readonly controlPeriodS: number | null;
  /** What each set's appearance varied (absent: nothing). */
  readonly randomise?: readonly Randomisable[];
  /** The perturbation every set was drawn under, in words (absent: none). */
  readonly perturbation?: string;
}

/** Collects the goal sets of `count` seeds into `outDir` (created); seeds the expert fails are skipped and listed. */
export async function collectGoalSets(o: GoalSetOptions): Promise<GoalSetManifest> {
  const names = ['start', ...SUBGOAL_PLANS[o.task][o.scheme].map((s) => s.name)];
  const frames: Uint8Array[] = [];
  const states: Float32Array[] = [];
  const seeds: number[] = [];
  const skipped: number[] = [];
  let width = 0;
  let height = 0;
  for (let k = 0; k < o.count; k++) {
    const seed = o.seed + k;
    try {
      const base = o.perturbation ? perturbedOptions(o.sim, o.perturbation, DEFAULT_CAMERA, seed) : o.sim;
      const sim = o.randomise?.length ? withAppearance(base, randomAppearance(o.randomise, seed, DEFAULT_CAMERA)) : base;
      const goals = await expertGoals(sim, o.task, seed, o.expert, o.scheme);
      width = goals.start.width;
      height = goals.start.height;
      for (const f of [goals.start, ...goals.frames]) frames.push(f.data);
      for (const s of [goals.startState, ...goals.states]) states.push(Float32Array.from(s.subarray(0, STATE_DIM)));
      seeds.push(seed);
    } catch {
      skipped.push(seed);
    }
    o.onProgress?.(k + 1);
  }
  await mkdir(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, 'frames.u8'), concat(frames));
  await writeFile(join(o.outDir, 'states.f32'), concat(states));
  await writeFile(join(o.outDir, 'seeds.i32'), concat([Int32Array.from(seeds)]));
  const manifest: GoalSetManifest = {
    format: GOAL_SETS_FORMAT,
    task: o.task,
    scheme: o.scheme,
    count: seeds.length,
    width,
    height,
    names,
    seeds: { first: o.seed, last: o.seed + o.count - 1 },
    skipped,
    shadows: o.sim.shadows ?? false,
    controlPeriodS: o.sim.controlPeriod ?? null,
    ...(o.randomise?.length ? { randomise: [...o.randomise] } : {}),
    ...(o.perturbation && isPerturbed(o.perturbation) ? { perturbation: describePerturbation(o.perturbation) } : {}),
  };
  const tmp = join(o.outDir, 'manifest.json.tmp');
  await writeFile(tmp, JSON.stringify(manifest, null, 2));
  await rename(tmp, join(o.outDir, 'manifest.json'));
  return manifest;
}
