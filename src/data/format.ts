/**
 * The on-disk dataset format written by `jepa-mpc collect` and read by `models/jepa_ac/dataset.py`
 * (docs/dataset-format.md).
 *
 * A dataset is a folder with `manifest.json` (written last, atomically) and per shard five flat
 * little-endian binary files, one row per frame (F frames in the shard):
 * - `shard-XXXXX.frames.u8`  uint8   [F, H, W, 3] RGB, row-major from the top-left;
 * - `shard-XXXXX.states.f32` float32 [F, 7] end-effector state (contract order);
 * - `shard-XXXXX.actions.f32` float32 [F, 7] action applied after the frame (zeros on an episode's
 *   last frame);
 * - `shard-XXXXX.privileged.f32` float32 [F, P] evaluation-only simulator truth (cube pose, target);
 * - `shard-XXXXX.episodes.i32` int32 [E, 5]: first frame (in the shard), frame count, kind id,
 *   task id, layout seed;
 * - with `collect --wrist` (the manifest's `views` is ["front", "wrist"]), also
 *   `shard-XXXXX.wrist-frames.u8` uint8 [F, H, W, 3], the hand camera's frame of each row.
 */
import { VIEW_NAMES } from '../model/views.js';
import { RANDOMISABLE } from '../../sim/randomise.js';
import { z } from 'zod';

/** Format tag every dataset manifest carries. */
export const DATASET_FORMAT = 'jepa-mpc/dataset@1';

/** Manifest file name inside a dataset folder. */
export const MANIFEST_NAME = 'manifest.json';

/** Columns of the state and action arrays. */
export const STATE_DIM = 7;

/** Columns of the privileged array, in order. Evaluation only: never a model input. */
export const PRIVILEGED_FIELDS = [
  'cube_x',
  'cube_y',
  'cube_z',
  'cube_qw',
  'cube_qx',
  'cube_qy',
  'cube_qz',
  'target_x',
  'target_y',
  'target_z',
  'finger_closedness',
  'task_success',
] as const;

/** Columns of the per-shard episode table, in order. */
export const EPISODE_FIELDS = ['start', 'frames', 'kind', 'task', 'layoutSeed'] as const;

/** Episode kinds (policy mixes); the id is the index. */
export const EPISODE_KINDS = ['waypoints', 'smooth-random', 'expert-pick-place', 'expert-then-random', 'grasp-practice'] as const;
/** One of {@link EPISODE_KINDS}. */
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

/** Policy mixes `collect` offers: `general` (free motion + demonstrations), `grasp` (mostly grasping near the cube). */
export const COLLECT_MIXES = ['general', 'grasp'] as const;
/** One of {@link COLLECT_MIXES}. */
export type CollectMix = (typeof COLLECT_MIXES)[number];

/** Simulator tasks an episode can run in (decides the scene: the place target is drawn only for pick-place). */
export const DATASET_TASKS = ['reach', 'pick-place'] as const;
/** One of {@link DATASET_TASKS}. */
export type DatasetTask = (typeof DATASET_TASKS)[number];

/** Image sides `collect` accepts. */
export const IMAGE_SIZES = [64, 96, 128] as const;

/** The binary arrays of a shard and their element types. */
export const SHARD_ARRAYS = {
  frames: { suffix: 'frames.u8', bytesPerElement: 1 },
  states: { suffix: 'states.f32', bytesPerElement: 4 },
  actions: { suffix: 'actions.f32', bytesPerElement: 4 },
  privileged: { suffix: 'privileged.f32', bytesPerElement: 4 },
  episodes: { suffix: 'episodes.i32', bytesPerElement: 4 },
} as const;

/**
 * The optional arrays of a branched (`--counterfactual`) collection, one row per frame:
 * `cf-frames.u8` uint8 [F, H, W, 3], the frame after the row's counterfactual action from that
 * frame's state (an episode's last row: a copy of its last frame); `cf-actions.f32` float32
 * [F, 7], that action (src/data/counterfactual.ts; zeros on an episode's last frame).
 */
export const COUNTERFACTUAL_ARRAYS = {
  cfFrames: { suffix: 'cf-frames.u8', bytesPerElement: 1 },
  cfActions: { suffix: 'cf-actions.f32', bytesPerElement: 4 },
} as const;

/** The optional array of a wrist-camera (`--wrist`) collection: `wrist-frames.u8` uint8 [F, H, W, 3], the hand camera's frame of each row. */
export const VIEW_ARRAYS = {
  wristFrames: { suffix: 'wrist-frames.u8', bytesPerElement: 1 },
} as const;

/**
 * The optional array of a twin (`--twin`) collection: `twin-frames.u8` uint8 [F, H, W, 3], each
 * row's state drawn again under a second randomised appearance of its episode (sim/randomise.ts
 * twinAppearance): the same scene, another light, camera and colours.
 */
export const TWIN_ARRAYS = {
  twinFrames: { suffix: 'twin-frames.u8', bytesPerElement: 1 },
} as const;

/** Names of the arrays every shard has. */
export type RequiredShardArray = keyof typeof SHARD_ARRAYS;
/** Names of the arrays of a shard. */
export type ShardArray = RequiredShardArray | keyof typeof COUNTERFACTUAL_ARRAYS | keyof typeof VIEW_ARRAYS | keyof typeof TWIN_ARRAYS;

const ALL_ARRAYS = { ...SHARD_ARRAYS, ...COUNTERFACTUAL_ARRAYS, ...VIEW_ARRAYS, ...TWIN_ARRAYS };

/** Bytes per element of an array. */
export function bytesPerElement(array: ShardArray): number {
  return ALL_ARRAYS[array].bytesPerElement;
}

/** File name of one array of shard `index`. */
export function shardFile(index: number, array: ShardArray): string {
  return `shard-${String(index).padStart(5, '0')}.${ALL_ARRAYS[array].suffix}`;
}

const nonNegInt = z.number().int().nonnegative();
const fileEntry = z.object({ file: z.string().min(1), bytes: nonNegInt, sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/** Schema of one shard entry of the manifest. */
export const shardSchema = z.object({
  index: nonNegInt,
  episodes: nonNegInt,
  frames: nonNegInt,
  files: z.object({
    frames: fileEntry,
    states: fileEntry,
    actions: fileEntry,
    privileged: fileEntry,
    episodes: fileEntry,
    cfFrames: fileEntry.optional(),
    cfActions: fileEntry.optional(),
    wristFrames: fileEntry.optional(),
    twinFrames: fileEntry.optional(),
  }),
});

/** Schema of `manifest.json`. */
export const datasetManifestSchema = z.object({
  format: z.literal(DATASET_FORMAT),
  createdBy: z.string(),
  seed: nonNegInt,
  episodes: nonNegInt,
  frames: nonNegInt,
  stepsPerEpisode: z.number().int().positive(),
  episodesPerShard: z.number().int().positive(),
  image: z.object({ height: z.number().int().positive(), width: z.number().int().positive(), channels: z.literal(3), dtype: z.literal('uint8') }),
  /** How the frames were drawn (absent in datasets from before the option: no shadows). */
  render: z
    .object({
      shadows: z.boolean(),
      /** Per-episode domain randomisation (`collect --randomise`): what varied and the ranges. */
      randomise: z
        .object({ kinds: z.array(z.enum(RANDOMISABLE)) })
        .passthrough()
        .optional(),
      /** Every frame also drawn under a second appearance (`collect --twin`: twin-frames.u8). */
      twin: z.boolean().optional(),
    })
    .default({ shadows: false }),
  controlPeriodS: z.number().positive(),
  state: z.object({ dim: z.literal(STATE_DIM), names: z.array(z.string()).length(STATE_DIM) }),
  action: z.object({ dim: z.literal(STATE_DIM), names: z.array(z.string()).length(STATE_DIM), semantics: z.string() }),
  privileged: z.object({ fields: z.array(z.string()), note: z.string() }),
  episodeTable: z.object({ fields: z.array(z.string()) }),
  /** Policy mix (absent in datasets from before mixes: general). */
  mix: z.enum(COLLECT_MIXES).default('general'),
  kinds: z.array(z.string()),
  tasks: z.array(z.string()),
  kindCounts: z.record(z.string(), nonNegInt),
  /** Camera views recorded, in the order a multi-view model tiles them (absent: the front camera only). */
  views: z.array(z.enum(VIEW_NAMES)).min(1).default(['front']),
  /** Present when every step was branched (`collect --counterfactual`): each shard then has the {@link COUNTERFACTUAL_ARRAYS}. */
  counterfactual: z.object({ rule: z.literal('gripper'), note: z.string() }).optional(),
  shards: z.array(shardSchema),
});

/** A parsed dataset manifest. */
export type DatasetManifest = z.infer<typeof datasetManifestSchema>;
/** A parsed shard entry. */
export type ShardEntry = z.infer<typeof shardSchema>;

/** Thrown for a missing, corrupt, truncated or inconsistent dataset; the message names the file. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}
