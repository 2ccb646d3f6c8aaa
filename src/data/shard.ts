/**
 * Collecting and writing one shard: a fixed range of episode indices, recorded with the same
 * simulators one after the other and written as the five flat arrays of the dataset format.
 * Shard contents depend only on (seed, episode range, image size, steps), never on the number of
 * workers, so the same seed always gives the same bytes (and the wrist frames, when the pool's
 * simulators draw them, come in one more file).
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomAppearance, twinAppearance, type Randomisable } from '../../sim/randomise.js';
import { MAX_CUBES } from '../../sim/scene.js';
import { DEFAULT_CAMERA, TabletopSim, type Appearance } from '../../sim/tabletop.js';
import { EPISODE_FIELDS, shardFile, type CollectMix, type DatasetTask, type ShardArray, type ShardEntry } from './format.js';
import { kindId, planEpisode, recordEpisode, taskId, type EpisodePlan, type EpisodeRecord } from './episode.js';

/** What to collect into one shard. */
export interface ShardJob {
  outDir: string;
  seed: number;
  shardIndex: number;
  /** First episode index (inclusive) and count. */
  firstEpisode: number;
  episodes: number;
  /** Actions per episode. */
  steps: number;
  /** Image side (px). */
  size: number;
  /** Policy mix. */
  mix: CollectMix;
  /** Branch every step with the other gripper choice (the counterfactual arrays). */
  counterfactual: boolean;
  /** What each episode's appearance varies (domain randomisation; empty = as the simulator draws it). */
  randomise: readonly Randomisable[];
  /** Also draw every frame under a second randomised appearance of its episode (twin-frames; needs `randomise`). */
  twin?: boolean;
}

/** How a pool's simulators draw: image side, actions per episode, shadows, wrist camera, room for distractors. */
export interface PoolSpec {
  size: number;
  steps: number;
  shadows: boolean;
  wrist: boolean;
  /** Scenes with room for the most distractors (randomised per episode). */
  distractors?: boolean;
}

/** Simulators per task, created on first use and reused across episodes and shards. */
export class SimPool {
  private readonly sims = new Map<DatasetTask, TabletopSim>();
  constructor(private readonly spec: PoolSpec) {}

  /** The simulator for a task. */
  async get(task: DatasetTask): Promise<TabletopSim> {
    let sim = this.sims.get(task);
    if (!sim) {
      const { size, steps, shadows, wrist, distractors } = this.spec;
      const scene = distractors ? { scene: { cubeCount: MAX_CUBES } } : {};
      sim = await TabletopSim.create({ task, camera: { width: size, height: size }, maxSteps: steps + 1, shadows, wrist, ...scene });
      this.sims.set(task, sim);
    }
    return sim;
  }

  /** Frees every simulator. */
  close(): void {
    for (const sim of this.sims.values()) sim.close();
    this.sims.clear();
  }
}

/**
 * The simulator of an episode's task from the pool, set to draw the episode's randomised
 * appearance (seeded by its layout) when `randomise` names any kind.
 */
export async function episodeSim(pool: SimPool, plan: EpisodePlan, randomise: readonly Randomisable[]): Promise<{ sim: TabletopSim; appearance?: Appearance }> {
  const sim = await pool.get(plan.task);
  if (!randomise.length) return { sim };
  const appearance = randomAppearance(randomise, plan.layoutSeed, DEFAULT_CAMERA);
  sim.setAppearance(appearance);
  return { sim, appearance };
}

/** The bytes of typed arrays one after another (the flat little-endian files of the formats). */
export function concat(parts: ArrayBufferView[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
    offset += p.byteLength;
  }
  return out;
}

/** The byte order of the format is little-endian; typed arrays use the platform's. */
function assertLittleEndian(): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('dataset writing needs a little-endian platform');
}

/**
 * Records the job's episodes and writes its files; returns the shard's manifest entry.
 * @param onEpisode called after each episode (for progress).
 */
export async function collectShard(job: ShardJob, pool: SimPool, onEpisode: (rec: EpisodeRecord) => void = () => {}): Promise<ShardEntry> {
  assertLittleEndian();
  const records: EpisodeRecord[] = [];
  for (let i = 0; i < job.episodes; i++) {
    const plan = planEpisode(job.seed, job.firstEpisode + i, job.mix);
    const { sim, appearance } = await episodeSim(pool, plan, job.randomise);
    const twin = job.twin && appearance ? twinAppearance(job.randomise, plan.layoutSeed, DEFAULT_CAMERA, appearance) : undefined;
    const rec = recordEpisode(sim, plan, job.steps, job.counterfactual, twin);
    records.push(rec);
    onEpisode(rec);
  }
  const table = new Int32Array(records.length * EPISODE_FIELDS.length);
  let start = 0;
  records.forEach((r, k) => {
    table.set([start, r.frameCount, kindId(r.plan.kind), taskId(r.plan.task), r.plan.layoutSeed], k * EPISODE_FIELDS.length);
    start += r.frameCount;
  });
  const arrays: Partial<Record<ShardArray, Uint8Array>> = {
    frames: concat(records.map((r) => r.frames)),
    states: concat(records.map((r) => r.states)),
    actions: concat(records.map((r) => r.actions)),
    privileged: concat(records.map((r) => r.privileged)),
    episodes: concat([table]),
  };
  if (job.counterfactual) {
    arrays.cfFrames = concat(records.map((r) => r.cfFrames as Uint8Array));
    arrays.cfActions = concat(records.map((r) => r.cfActions as Float32Array));
  }
  if (records.some((r) => r.wristFrames)) arrays.wristFrames = concat(records.map((r) => r.wristFrames as Uint8Array));
  if (records.some((r) => r.twinFrames)) arrays.twinFrames = concat(records.map((r) => r.twinFrames as Uint8Array));
  const files = {} as ShardEntry['files'];
  for (const [name, bytes] of Object.entries(arrays) as [ShardArray, Uint8Array][]) {
    const file = shardFile(job.shardIndex, name);
    await writeFile(join(job.outDir, file), bytes);
    files[name] = { file, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  return { index: job.shardIndex, episodes: records.length, frames: start, files };
}
