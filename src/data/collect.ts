/**
 * Dataset collection: splits the episodes into fixed shards, records them in-process or on a
 * pool of worker threads, and writes `manifest.json` last and atomically (temporary file +
 * rename), so an interrupted run never leaves a folder that looks like a valid dataset.
 */
import { RANDOMISABLE, RANDOMISE_RANGES, type Randomisable } from '../../sim/randomise.js';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createLogger } from '../log.js';
import {
  COLLECT_MIXES,
  DATASET_FORMAT,
  DATASET_TASKS,
  EPISODE_FIELDS,
  EPISODE_KINDS,
  IMAGE_SIZES,
  MANIFEST_NAME,
  PRIVILEGED_FIELDS,
  type CollectMix,
  type DatasetManifest,
  type ShardEntry,
} from './format.js';
import { MAX_DATASET_SEED, MAX_EPISODES, planEpisode } from './episode.js';
import { collectShard, SimPool, type PoolSpec, type ShardJob } from './shard.js';
import type { FromWorker, ToWorker } from './collect-worker.js';

const log = createLogger('collect');

/** Options of {@link collectDataset}. */
export interface CollectOptions {
  /** Output folder (created; must not hold another dataset unless `force`). */
  outDir: string;
  /** Number of episodes. */
  episodes: number;
  /** Dataset seed. */
  seed: number;
  /** Image side in px, one of IMAGE_SIZES (default 64). */
  size?: number;
  /** Actions per episode (default 32). */
  steps?: number;
  /** Episodes per shard (default 50). Changing it changes the files, not the episodes. */
  episodesPerShard?: number;
  /** Worker threads (default 2); 1 records in this thread. */
  workers?: number;
  /** Policy mix (default general). */
  mix?: CollectMix;
  /** Render shadows (default false; see TabletopOptions.shadows). */
  shadows?: boolean;
  /** Branch every step with the other gripper choice and keep its frame (default false; about twice the time and space). */
  counterfactual?: boolean;
  /** Also record the hand camera's frames (default false; the manifest's views become front, wrist; not with `counterfactual`). */
  wrist?: boolean;
  /** Vary each episode's appearance (light, camera pose, cube colour, table, distractors, shadows), seeded by its layout (default none; sim/randomise.ts RANDOMISE_RANGES). */
  randomise?: readonly Randomisable[];
  /** Also draw every frame under a second randomised appearance of its episode (default false; needs `randomise`; ~2x the frames' space) — pairs of the same state for an invariance loss. */
  twin?: boolean;
  /** Replace a dataset already in `outDir` (default false). */
  force?: boolean;
  /** Called after every episode with the number done so far. */
  onProgress?: (done: number, kind: string) => void;
}

/** Defaults of {@link CollectOptions}. */
export const COLLECT_DEFAULTS = { size: 64, steps: 32, episodesPerShard: 50, workers: 2 } as const;
/** Control period of the simulator the data comes from (s). */
export const SIM_CONTROL_PERIOD_S = 0.25;
const MAX_WORKERS = 64;
const COUNTERFACTUAL_NOTE =
  'every step branched: cf-actions holds the real action with the other gripper choice (an action that moves the gripper by more than 0.1 holds it; any other toggles it fully), cf-frames the frame that choice led to';
const TMP_SUFFIX = '.tmp';

function checkOptions(o: CollectOptions): Required<Omit<CollectOptions, 'onProgress'>> {
  const size = o.size ?? COLLECT_DEFAULTS.size;
  const steps = o.steps ?? COLLECT_DEFAULTS.steps;
  const perShard = o.episodesPerShard ?? COLLECT_DEFAULTS.episodesPerShard;
  const workers = o.workers ?? COLLECT_DEFAULTS.workers;
  if (!(IMAGE_SIZES as readonly number[]).includes(size)) throw new RangeError(`size must be one of ${IMAGE_SIZES.join(', ')}, got ${size}`);
  if (!(Number.isSafeInteger(o.episodes) && o.episodes > 0 && o.episodes <= MAX_EPISODES))
    throw new RangeError(`episodes must be an integer in [1, ${MAX_EPISODES}], got ${o.episodes}`);
  if (!(Number.isSafeInteger(o.seed) && o.seed >= 0 && o.seed <= MAX_DATASET_SEED))
    throw new RangeError(`seed must be an integer in [0, ${MAX_DATASET_SEED}], got ${o.seed}`);
  if (!(Number.isSafeInteger(steps) && steps > 0 && steps <= 1000)) throw new RangeError(`steps must be an integer in [1, 1000], got ${steps}`);
  if (!(Number.isSafeInteger(perShard) && perShard > 0)) throw new RangeError(`episodesPerShard must be a positive integer, got ${perShard}`);
  if (!(Number.isSafeInteger(workers) && workers >= 1 && workers <= MAX_WORKERS))
    throw new RangeError(`workers must be an integer in [1, ${MAX_WORKERS}], got ${workers}`);
  const mix = o.mix ?? 'general';
  if (!(COLLECT_MIXES as readonly string[]).includes(mix)) throw new RangeError(`mix must be one of ${COLLECT_MIXES.join(', ')}, got ${String(mix)}`);
  if (o.wrist && o.counterfactual) throw new RangeError('wrist frames and counterfactual branching do not mix: collect one or the other');
  const unknown = (o.randomise ?? []).find((k) => !(RANDOMISABLE as readonly string[]).includes(k));
  if (unknown !== undefined) throw new RangeError(`randomise must name ${RANDOMISABLE.join(', ')}, got ${String(unknown)}`);
  if (o.twin && !o.randomise?.length) throw new RangeError('twin frames need randomise: a second appearance is drawn from the same kinds');
  if (o.twin && (o.counterfactual || o.wrist))
    throw new RangeError('twin frames do not mix with counterfactual branching or wrist frames: collect one or the other');
  return {
    outDir: o.outDir,
    episodes: o.episodes,
    seed: o.seed,
    size,
    steps,
    episodesPerShard: perShard,
    workers,
    mix,
    shadows: o.shadows ?? false,
    counterfactual: o.counterfactual ?? false,
    wrist: o.wrist ?? false,
    randomise: [...new Set(o.randomise ?? [])],
    twin: o.twin ?? false,
    force: o.force ?? false,
  };
}

/** Makes `outDir`, refusing to overwrite a dataset unless forced; removes any old manifest first. */
async function prepareDir(outDir: string, force: boolean): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const names = await readdir(outDir);
  if (names.includes(MANIFEST_NAME) && !force) throw new Error(`${outDir} already holds a dataset (${MANIFEST_NAME}); pass force to replace it`);
  // the manifest goes first: from here on the folder does not look like a valid dataset
  await rm(join(outDir, MANIFEST_NAME), { force: true });
  for (const name of names) if (/^shard-\d{5}\./.test(name) || name.endsWith(TMP_SUFFIX)) await rm(join(outDir, name), { force: true });
}

/** Starts a collect worker thread (under tsx, where the sources are .ts, through tsx's loader). */
function startWorker(workerData: PoolSpec): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./collect-worker.js', import.meta.url), { workerData });
  const href = new URL('./collect-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** Runs the jobs on `count` worker threads; resolves with the shard entries (any order). */
async function runOnWorkers(jobs: ShardJob[], count: number, spec: PoolSpec, onEpisode: (kind: string) => void): Promise<ShardEntry[]> {
  const queue = [...jobs];
  const entries: ShardEntry[] = [];
  const workers = Array.from({ length: Math.min(count, jobs.length) }, () => startWorker(spec));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const next = (): void => {
              const job = queue.shift();
              if (job) w.postMessage({ type: 'job', job } satisfies ToWorker);
              else {
                w.postMessage({ type: 'close' } satisfies ToWorker);
                resolve();
              }
            };
            w.on('message', (msg: FromWorker) => {
              if (msg.type === 'episode') onEpisode(msg.kind);
              else if (msg.type === 'done') {
                entries.push(msg.entry);
                next();
              } else reject(new Error(`shard ${msg.shardIndex} failed: ${msg.message}`));
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (code !== 0) reject(new Error(`collect worker exited with code ${code}`));
            });
            next();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return entries;
}

/**
 * Collects a dataset into `options.outDir`; returns its manifest.
 * @throws RangeError for bad options, Error when `outDir` holds a dataset and `force` is off.
 */
export async function collectDataset(options: CollectOptions): Promise<DatasetManifest> {
  const o = checkOptions(options);
  await prepareDir(o.outDir, o.force);
  const jobs: ShardJob[] = [];
  for (let first = 0, k = 0; first < o.episodes; first += o.episodesPerShard, k++) {
    jobs.push({
      outDir: o.outDir,
      seed: o.seed,
      shardIndex: k,
      firstEpisode: first,
      episodes: Math.min(o.episodesPerShard, o.episodes - first),
      steps: o.steps,
      size: o.size,
      mix: o.mix,
      counterfactual: o.counterfactual,
      randomise: o.randomise,
      twin: o.twin,
    });
  }
  let done = 0;
  const onEpisode = (kind: string): void => {
    done++;
    options.onProgress?.(done, kind);
  };
  log.debug({ shards: jobs.length, workers: o.workers }, 'collecting');
  let entries: ShardEntry[];
  const spec: PoolSpec = { size: o.size, steps: o.steps, shadows: o.shadows, wrist: o.wrist, distractors: o.randomise.includes('distractors') };
  if (o.workers === 1 || jobs.length === 1) {
    const pool = new SimPool(spec);
    try {
      entries = [];
      for (const job of jobs) entries.push(await collectShard(job, pool, (rec) => onEpisode(rec.plan.kind)));
    } finally {
      pool.close();
    }
  } else {
    entries = await runOnWorkers(jobs, o.workers, spec, onEpisode);
  }
  entries.sort((a, b) => a.index - b.index);
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    createdBy: 'jepa-mpc collect',
    seed: o.seed,
    episodes: o.episodes,
    frames: entries.reduce((n, e) => n + e.frames, 0),
    stepsPerEpisode: o.steps,
    episodesPerShard: o.episodesPerShard,
    image: { height: o.size, width: o.size, channels: 3, dtype: 'uint8' },
    render: {
      shadows: o.shadows,
      ...(o.randomise.length ? { randomise: { kinds: [...o.randomise], ...RANDOMISE_RANGES } } : {}),
      ...(o.twin ? { twin: true } : {}),
    },
    controlPeriodS: SIM_CONTROL_PERIOD_S,
    state: { dim: 7, names: ['x', 'y', 'z', 'roll', 'pitch', 'yaw', 'gripper'] },
    action: {
      dim: 7,
      names: ['dx', 'dy', 'dz', 'droll', 'dpitch', 'dyaw', 'dgripper'],
      semantics: 'commanded end-effector delta applied after the frame (already inside the per-step bounds); zeros on the last frame of an episode',
    },
    privileged: { fields: [...PRIVILEGED_FIELDS], note: 'simulator truth for evaluation only; never a model input' },
    episodeTable: { fields: [...EPISODE_FIELDS] },
    mix: o.mix,
    kinds: [...EPISODE_KINDS],
    tasks: [...DATASET_TASKS],
    views: o.wrist ? ['front', 'wrist'] : ['front'],
    ...(o.counterfactual ? { counterfactual: { rule: 'gripper' as const, note: COUNTERFACTUAL_NOTE } } : {}),
    kindCounts: Object.fromEntries(
      EPISODE_KINDS.map((k) => [k, Array.from({ length: o.episodes }, (_, i) => planEpisode(o.seed, i, o.mix)).filter((p) => p.kind === k).length]),
    ),
    shards: entries,
  };
  const tmp = join(o.outDir, MANIFEST_NAME + TMP_SUFFIX);
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n');
  await rename(tmp, join(o.outDir, MANIFEST_NAME));
  return manifest;
}
