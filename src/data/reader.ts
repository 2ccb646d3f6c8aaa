/**
 * Reading a dataset written by `collect` (docs/dataset-format.md): the manifest is validated, every
 * shard file is checked for its size (and, unless turned off, its sha256), and episodes are read
 * back as typed arrays. Any problem throws a {@link DatasetError} naming the file.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bytesPerElement,
  COUNTERFACTUAL_ARRAYS,
  DatasetError,
  TWIN_ARRAYS,
  VIEW_ARRAYS,
  datasetManifestSchema,
  EPISODE_FIELDS,
  MANIFEST_NAME,
  SHARD_ARRAYS,
  STATE_DIM,
  type DatasetManifest,
  type ShardArray,
  type ShardEntry,
} from './format.js';

/** One episode read back. */
export interface StoredEpisode {
  /** Frame count F. */
  frames: number;
  kind: number;
  task: number;
  layoutSeed: number;
  /** uint8 [F, H, W, 3]. */
  rgb: Uint8Array;
  /** float32 [F, 7]. */
  states: Float32Array;
  /** float32 [F, 7]. */
  actions: Float32Array;
  /** float32 [F, P], evaluation only. */
  privileged: Float32Array;
  /** uint8 [F, H, W, 3], the hand camera's frames (datasets whose views include wrist). */
  wristRgb?: Uint8Array;
}

/** An opened dataset: its manifest and episode access. */
export interface OpenedDataset {
  dir: string;
  manifest: DatasetManifest;
  /** Reads every episode of shard `k` (0-based position in `manifest.shards`). */
  readShard(k: number): Promise<StoredEpisode[]>;
}

function columns(m: DatasetManifest, name: ShardArray): number {
  switch (name) {
    case 'frames':
    case 'cfFrames':
    case 'wristFrames':
    case 'twinFrames':
      return m.image.height * m.image.width * 3;
    case 'states':
    case 'actions':
    case 'cfActions':
      return STATE_DIM;
    case 'privileged':
      return m.privileged.fields.length;
    case 'episodes':
      return EPISODE_FIELDS.length;
  }
}

/** Reads and validates `manifest.json`. @throws DatasetError. */
export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DatasetError(`${path}: no dataset manifest (an interrupted collection leaves none)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = datasetManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError(`${path}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid manifest'}`);
  }
  const m = parsed.data;
  const frames = m.shards.reduce((n, s) => n + s.frames, 0);
  const episodes = m.shards.reduce((n, s) => n + s.episodes, 0);
  if (frames !== m.frames || episodes !== m.episodes)
    throw new DatasetError(`${path}: says ${m.episodes} episodes / ${m.frames} frames, its shards list ${episodes} / ${frames}`);
  return m;
}

/** Why an optional array is required, for the error when a shard lacks it. */
const REQUIRED_BECAUSE: Partial<Record<ShardArray, string>> = { wristFrames: 'views include wrist', twinFrames: 'render says twin' };

async function checkFile(dir: string, m: DatasetManifest, shard: ShardEntry, name: ShardArray, verify: boolean): Promise<Uint8Array | undefined> {
  const entry = shard.files[name];
  if (!entry)
    throw new DatasetError(
      `${join(dir, MANIFEST_NAME)}: shard ${shard.index} lists no ${name} file though the manifest's ${REQUIRED_BECAUSE[name] ?? 'dataset is counterfactual'}`,
    );
  const path = join(dir, entry.file);
  const rows = name === 'episodes' ? shard.episodes : shard.frames;
  const want = rows * columns(m, name) * bytesPerElement(name);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new DatasetError(`${path}: missing shard file`);
  }
  if (size !== entry.bytes || size !== want)
    throw new DatasetError(`${path}: ${size} bytes, manifest says ${entry.bytes}, shapes need ${want} (truncated or corrupt)`);
  if (!verify) return undefined;
  const bytes = await readFile(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== entry.sha256) throw new DatasetError(`${path}: sha256 ${sha} does not match the manifest's ${entry.sha256} (corrupt)`);
  return bytes;
}

function view<T extends Float32Array | Int32Array>(bytes: Uint8Array, ctor: new (b: ArrayBuffer) => T): T {
  // copy into a fresh, aligned buffer (file buffers may be pooled or unaligned)
  return new ctor(bytes.slice().buffer);
}

/**
 * Opens a dataset, checking the manifest and every shard file's size (and sha256 when `verify`,
 * the default).
 * @throws DatasetError for a missing, truncated, corrupt or inconsistent dataset.
 */
export async function openDataset(dir: string, options: { verify?: boolean } = {}): Promise<OpenedDataset> {
  const verify = options.verify ?? true;
  const manifest = await readDatasetManifest(dir);
  const wrist = manifest.views.includes('wrist');
  const names = [
    ...Object.keys(SHARD_ARRAYS),
    ...(manifest.counterfactual ? Object.keys(COUNTERFACTUAL_ARRAYS) : []),
    ...(wrist ? Object.keys(VIEW_ARRAYS) : []),
    ...(manifest.render.twin ? Object.keys(TWIN_ARRAYS) : []),
  ] as ShardArray[];
  for (const shard of manifest.shards) {
    for (const name of names) await checkFile(dir, manifest, shard, name, verify);
  }
  const readShard = async (k: number): Promise<StoredEpisode[]> => {
    const shard = manifest.shards[k];
    if (!shard) throw new RangeError(`shard index must be in [0, ${manifest.shards.length - 1}], got ${k}`);
    const load = async (name: ShardArray): Promise<Uint8Array> => (await checkFile(dir, manifest, shard, name, true)) as Uint8Array;
    const [rgb, states, actions, privileged, table, wristRgb] = await Promise.all([
      load('frames'),
      load('states'),
      load('actions'),
      load('privileged'),
      load('episodes'),
      wrist ? load('wristFrames') : undefined,
    ]);
    const s = view(states, Float32Array);
    const a = view(actions, Float32Array);
    const p = view(privileged, Float32Array);
    const t = view(table, Int32Array);
    const pixels = columns(manifest, 'frames');
    const P = columns(manifest, 'privileged');
    const out: StoredEpisode[] = [];
    let expected = 0;
    for (let e = 0; e < shard.episodes; e++) {
      const [start, frames, kind, task, layoutSeed] = Array.from(t.subarray(e * EPISODE_FIELDS.length, (e + 1) * EPISODE_FIELDS.length));
      if (start !== expected || frames === undefined || frames < 2 || start + frames > shard.frames) {
        throw new DatasetError(
          `${join(dir, shard.files.episodes.file)}: episode ${e} (start ${start}, ${frames} frames) does not tile the shard's ${shard.frames} frames`,
        );
      }
      expected = start + frames;
      out.push({
        frames,
        kind: kind as number,
        task: task as number,
        layoutSeed: layoutSeed as number,
        rgb: rgb.subarray(start * pixels, expected * pixels),
        states: s.subarray(start * STATE_DIM, expected * STATE_DIM),
        actions: a.subarray(start * STATE_DIM, expected * STATE_DIM),
        privileged: p.subarray(start * P, expected * P),
        ...(wristRgb ? { wristRgb: wristRgb.subarray(start * pixels, expected * pixels) } : {}),
      });
    }
    if (expected !== shard.frames)
      throw new DatasetError(`${join(dir, shard.files.episodes.file)}: episodes cover ${expected} of the shard's ${shard.frames} frames`);
    return out;
  };
  return { dir, manifest, readShard };
}
