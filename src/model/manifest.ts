/**
 * The world-model contract: `models/<name>/manifest.json`, validated on load.
 *
 * A model folder may hold one manifest per precision: `manifest.json` is the folder's default
 * (sim-jepa-ac: int8) and each other precision is `manifest-<precision>.json` beside it (sim-jepa-ac:
 * manifest-fp32.json); {@link resolveManifestPath} picks one for `--precision` / `model_precision`.
 *
 * A manifest names two ONNX graphs with fixed tensor names:
 * - encoder: `image` float32 [1, 3, H, W] (layout "NCHW") or [1, 3, F, H, W] ("NCTHW", the frame
 *   repeated F times to fill a video tubelet) → `latents` [1, N, D]; a model with several camera
 *   `views` takes them side by side in one image (W = views × the view's width);
 * - rollout (one graph per supported horizon H): `latents` [1, N, D], `state` [1, S],
 *   `actions` [B, H, A], `goal` [1, N, D] → `energy` [B] (mean |predicted − goal| over tokens and
 *   channels after H autoregressive predictor steps, the state advanced by each action in-graph);
 *   optionally `predicted` [B, N, D];
 * - optionally a goal readout: `image` [1, 3, H, W] → `gripper` [1] (closedness the frame shows).
 * With precision "fp16" every float tensor above is float16 instead. "int8" (int8 weights, dynamic
 * int8 activations in the MatMuls) and "fp16-weights" (fp16 weights cast to fp32) are quantised
 * CPU graphs whose tensors stay float32 (models/jepa_ac/quantize.py).
 * See docs/world-model-contract.md for the full description.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { OPTIMIZER_NAMES } from '../core/mpc.js';
import { ModelError } from './errors.js';
import { DEFAULT_VIEWS, VIEW_NAMES, type ViewName } from './views.js';

/**
 * The graphs' numeric precision. fp16: every float tensor of the contract is float16 (GPU
 * exports). int8 and fp16-weights: quantised weights inside graphs whose inputs and outputs stay
 * float32 (int8: per-output-channel int8 weights and dynamic int8 activations in the MatMuls;
 * fp16-weights: fp16 weights cast to fp32 before use).
 */
export const PRECISIONS = ['fp32', 'fp16', 'int8', 'fp16-weights'] as const;
/** One of {@link PRECISIONS}. */
export type Precision = (typeof PRECISIONS)[number];

/** Version tag every manifest must carry. */
export const MANIFEST_FORMAT = 'jepa-mpc/world-model@1';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = z.number().int().positive();
/** A file name relative to the manifest's folder that must stay inside it. */
const relativeFile = z
  .string()
  .min(1)
  .refine((p) => !isAbsolute(p) && !relative('.', p).startsWith('..'), 'must be a path inside the model folder');

const channelTriple = z.tuple([finite, finite, finite]);

const encoderSchema = z.object({
  file: relativeFile,
  /** Extra files the graph's external data lives in (checked to exist; loaded by path). */
  externalData: z.array(relativeFile).default([]),
  input: z.object({
    height: positiveInt,
    width: positiveInt,
    /** "NCHW": [1,3,H,W]; "NCTHW": [1,3,F,H,W] with the frame repeated F times. */
    layout: z.enum(['NCHW', 'NCTHW']),
    frames: positiveInt.default(1),
    /** "center-crop": crop the largest centred region of the model's aspect, then resize; "squash": resize only. */
    resize: z.enum(['center-crop', 'squash']).default('center-crop'),
    /** Pixel values are divided by `scale` (255 for [0,1]) then normalised by (x − mean) / std per RGB channel. */
    scale: finite.refine((v) => v > 0, 'must be > 0').default(255),
    mean: channelTriple.default([0, 0, 0]),
    std: channelTriple.refine((s) => s.every((v) => v > 0), 'every std must be > 0').default([1, 1, 1]),
    /** Camera views the image holds side by side, left to right (default: the front camera only). */
    views: z
      .array(z.enum(VIEW_NAMES))
      .min(1)
      .refine((v) => new Set(v).size === v.length, 'views must be distinct')
      .default([...DEFAULT_VIEWS]),
  }),
  output: z.object({
    tokens: positiveInt,
    dim: positiveInt,
    /** Whether the graph already LayerNorms its output (the energy expects normalised latents). */
    layerNormed: z.boolean().default(true),
  }),
});

const rolloutSchema = z.object({
  file: relativeFile,
  externalData: z.array(relativeFile).default([]),
  /** Number of autoregressive predictor steps H the graph was exported with. */
  horizon: positiveInt,
  /** Whether the graph also outputs `predicted` [B, N, D]. */
  outputsPredicted: z.boolean().default(false),
  /** Matrix-multiply FLOPs one more candidate adds to a run (counted from the graph by models/flops.py): bench's GFLOP/s. */
  matmulFlopsPerCandidate: positiveInt.optional(),
});

const vectorSpaceSchema = z
  .object({
    dim: positiveInt,
    names: z.array(z.string().min(1)),
    units: z.array(z.string().min(1)),
  })
  .refine((v) => v.names.length === v.dim && v.units.length === v.dim, {
    message: 'names and units must each have exactly `dim` entries',
  });

const planningSchema = z.object({
  optimizer: z.enum(OPTIMIZER_NAMES).default('cem'),
  samples: positiveInt.default(800),
  iterations: positiveInt.default(10),
  elites: positiveInt.default(10),
  horizon: positiveInt.default(1),
  /** Per-dimension lower/upper bounds of one action. */
  lower: z.array(finite),
  upper: z.array(finite),
  /** Action dimensions fixed to 0 (not searched), e.g. rotations [3, 4, 5]. */
  pinned: z.array(z.number().int().nonnegative()).default([]),
  /** Index of the gripper dimension, or null when the model has none. */
  gripperIndex: z.number().int().nonnegative().nullable().default(null),
  /** A planned gripper action with |value| below this is snapped to 0. */
  gripperSnap: finite.nonnegative().default(0),
  /** Gripper hysteresis: a planned gripper change must lower the energy by this fraction against holding (0 disables). */
  gripperMargin: finite.min(0).lt(1).default(0),
  /** Weight of the goal-gripper term (needs `goalReadout`; 0 = off, the paper's energy). */
  goalGripperWeight: finite.min(0).default(0),
  /**
   * Close after the arm (m; 0 = off): while the goal's readout asks to close open fingers, the
   * search holds them open, and they close only once the planned arm step is shorter than this —
   * at the cube, not on the way. Opening is never deferred.
   */
  gripperAfterArm: finite.min(0).default(0),
  /** Start each plan from the previous plan shifted by one step. */
  warmStart: z.boolean().default(false),
  momentumMean: finite.min(0).max(1).default(0),
  momentumStd: finite.min(0).max(1).default(0),
});

/** The manifest's schema; `parse` fills defaults. */
export const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    name: z.string().min(1),
    description: z.string().default(''),
    precision: z.enum(PRECISIONS).default('fp32'),
    /** Seconds between two actions (the data's frame period). */
    controlPeriodS: finite.refine((v) => v > 0, 'must be > 0'),
    encoder: encoderSchema,
    rollout: z.array(rolloutSchema).min(1),
    state: vectorSpaceSchema,
    action: vectorSpaceSchema,
    planning: planningSchema,
    /** Batch sizes the rollout is run at; a candidate batch is padded up to the next one (chunked above the largest). */
    batchSizes: z.array(positiveInt).min(1).default([1, 64, 800]),
    /**
     * How the built-in simulator must draw frames for this model (its training data's render
     * settings); absent for models not trained on the simulator: no shadows.
     */
    simulator: z
      .object({
        shadows: z.boolean().default(false),
        /** The goal-image scheme the model was measured with (`eval`, `scenario` default to it). */
        subgoals: z.enum(['paper', 'waypoints', 'final']).optional(),
      })
      .default({ shadows: false }),
    /**
     * Optional goal readout: `image` [1, 3, H, W] (preprocessed like the encoder's, one frame) →
     * `gripper` [1], the closedness [0, 1] the frame's fingers show. Read once per goal image.
     */
    goalReadout: z.object({ file: relativeFile, output: z.literal('gripper').default('gripper') }).optional(),
    /**
     * Optional subgoal proposer: `latents` [1, N, D] (the first frame), `goal` [1, N, D], `state`
     * [1, S] → `subgoals` [1, K, N, D] and `grippers` [1, K + 1] (closedness at each subgoal, then
     * at the goal). `stages` names the K subgoals then the goal; `steps` is each stage's step
     * budget. Lets a planner work from one goal image (models/jepa_ac/proposer.py). A conditional
     * proposer also takes `given` [1, K, N, D] and `given_mask` [1, K] (1 = that stage's goal image
     * was given, e.g. the paper scheme's grasped and near target) and proposes the others from them.
     */
    subgoalProposer: z
      .object({
        file: relativeFile,
        /** The task whose stages it proposes (its training demonstrations'). */
        task: z.string().min(1),
        stages: z.array(z.string().min(1)).min(2),
        steps: z.array(positiveInt),
        /** The graph takes the given stages (`given`, `given_mask`) as well (default false). */
        conditional: z.boolean().default(false),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    const a = m.action.dim;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (m.planning.lower.length !== a) issue(['planning', 'lower'], `must have ${a} entries (action.dim), has ${m.planning.lower.length}`);
    if (m.planning.upper.length !== a) issue(['planning', 'upper'], `must have ${a} entries (action.dim), has ${m.planning.upper.length}`);
    m.planning.lower.forEach((lo, i) => {
      const hi = m.planning.upper[i];
      if (hi !== undefined && hi < lo) issue(['planning', 'upper', i], `upper ${hi} is below lower ${lo}`);
    });
    m.planning.pinned.forEach((d, i) => {
      if (d >= a) issue(['planning', 'pinned', i], `dimension ${d} is out of range for action.dim ${a}`);
    });
    const g = m.planning.gripperIndex;
    if (g !== null && g >= a) issue(['planning', 'gripperIndex'], `dimension ${g} is out of range for action.dim ${a}`);
    if (m.planning.elites > m.planning.samples) issue(['planning', 'elites'], `elites ${m.planning.elites} exceeds samples ${m.planning.samples}`);
    const horizons = m.rollout.map((r) => r.horizon);
    if (new Set(horizons).size !== horizons.length) issue(['rollout'], `horizons must be distinct, got [${horizons.join(', ')}]`);
    if (!horizons.includes(m.planning.horizon)) {
      issue(['planning', 'horizon'], `no rollout graph for horizon ${m.planning.horizon} (have ${horizons.join(', ')})`);
    }
    if (m.planning.goalGripperWeight > 0) {
      if (!m.goalReadout) issue(['planning', 'goalGripperWeight'], 'needs a goalReadout graph to read the goal gripper from');
      if (g === null) issue(['planning', 'goalGripperWeight'], 'needs a gripperIndex');
    }
    const sp = m.subgoalProposer;
    if (sp && sp.steps.length !== sp.stages.length)
      issue(['subgoalProposer', 'steps'], `must have one budget per stage (${sp.stages.length}), has ${sp.steps.length}`);
    const input = m.encoder.input;
    if (input.width % input.views.length !== 0)
      issue(['encoder', 'input', 'width'], `${input.width} px does not split into ${input.views.length} views side by side`);
    if (m.encoder.input.layout === 'NCHW' && m.encoder.input.frames !== 1) {
      issue(['encoder', 'input', 'frames'], 'must be 1 with layout NCHW');
    }
  });

/** The camera views a model takes and the size of each: the composite is `views.length × width` wide. */
export function modelViews(m: Manifest): { views: readonly ViewName[]; width: number; height: number } {
  const { views, width, height } = m.encoder.input;
  return { views, width: width / views.length, height };
}

/** A validated manifest with defaults filled in. */
export type Manifest = z.output<typeof manifestSchema>;
/** One rollout graph entry. */
export type RolloutEntry = Manifest['rollout'][number];

/** A manifest plus the absolute folder its files are relative to. */
export interface LoadedManifest {
  manifest: Manifest;
  /** Absolute path of the model folder. */
  dir: string;
  /** Absolute path of the manifest file. */
  path: string;
}

/**
 * Validates a parsed JSON value as a manifest.
 * @throws ModelError MANIFEST_INVALID listing every problem with its JSON path.
 */
export function parseManifest(value: unknown, source = 'manifest'): Manifest {
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ModelError('MANIFEST_INVALID', `${source} is not a valid world-model manifest:\n${problems.join('\n')}`);
  }
  return result.data;
}

/** A model folder's default manifest. */
export const DEFAULT_MANIFEST = 'manifest.json';

/** The manifest of a precision that is not its folder's default: `manifest-<precision>.json`. */
export function variantManifestName(precision: Precision): string {
  return `manifest-${precision}.json`;
}

/** The `"precision"` a manifest file declares (absent = fp32); undefined when it cannot be read as JSON. */
function declaredPrecision(path: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { precision?: unknown };
    return typeof json.precision === 'string' ? json.precision : 'fp32';
  } catch {
    return undefined;
  }
}

/**
 * The precisions a model folder holds, the default (`manifest.json`'s) first, then each
 * `manifest-<precision>.json` beside it in {@link PRECISIONS} order.
 */
export function folderPrecisions(dir: string): { precision: Precision; path: string }[] {
  const out: { precision: Precision; path: string }[] = [];
  const main = resolve(dir, DEFAULT_MANIFEST);
  const own = declaredPrecision(main);
  if (own !== undefined && (PRECISIONS as readonly string[]).includes(own)) out.push({ precision: own as Precision, path: main });
  for (const p of PRECISIONS) {
    const path = resolve(dir, variantManifestName(p));
    if (p !== own && existsSync(path)) out.push({ precision: p, path });
  }
  return out;
}

/**
 * The manifest file a model folder (or a manifest file path) names at a precision: without one,
 * `<dir>/manifest.json`, the folder's default; with one, `manifest.json` where its precision is
 * the one asked for, else `<dir>/manifest-<precision>.json`. A manifest file path is returned as
 * it is ({@link loadManifest} checks its precision).
 * @throws ModelError PRECISION_MISSING (one line, listing the folder's precisions) when the folder has none of that precision.
 */
export function resolveManifestPath(dirOrFile: string, precision?: Precision): string {
  if (dirOrFile.endsWith('.json')) return resolve(dirOrFile);
  const main = resolve(dirOrFile, DEFAULT_MANIFEST);
  if (precision === undefined) return main;
  const own = declaredPrecision(main);
  if (own === undefined || own === precision) return main; // an unreadable default is loadManifest's to report
  const variant = resolve(dirOrFile, variantManifestName(precision));
  if (existsSync(variant)) return variant;
  const have = folderPrecisions(dirOrFile).map((p) => `${p.precision} (${relative(resolve(dirOrFile), p.path)})`);
  throw new ModelError('PRECISION_MISSING', `model folder ${resolve(dirOrFile)} has no ${precision} manifest; its precisions: ${have.join(', ')}`);
}

/**
 * Reads and validates `<dir>/manifest.json` (or a manifest file path; with `precision`, the
 * folder's manifest of that precision: {@link resolveManifestPath}) and checks that every file it
 * names exists and is not empty.
 * @throws ModelError MANIFEST_NOT_FOUND, MANIFEST_INVALID, FILE_MISSING or PRECISION_MISSING (also
 *   when a manifest file's precision is not the one asked for).
 */
export async function loadManifest(dirOrFile: string, precision?: Precision): Promise<LoadedManifest> {
  const path = resolveManifestPath(dirOrFile, precision);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ModelError('MANIFEST_NOT_FOUND', `no world-model manifest at ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ModelError('MANIFEST_INVALID', `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const manifest = parseManifest(json, path);
  if (precision !== undefined && manifest.precision !== precision) {
    throw new ModelError(
      'PRECISION_MISSING',
      `${path} holds precision ${manifest.precision}, not ${precision} (--precision picks among a model folder's manifests: give the folder)`,
    );
  }
  const dir = dirname(path);
  for (const file of manifestFiles(manifest)) {
    await checkFile(join(dir, file));
  }
  return { manifest, dir, path };
}

/** Every file a manifest names (graphs and external data), relative to its folder. */
export function manifestFiles(m: Manifest): string[] {
  return [
    m.encoder.file,
    ...m.encoder.externalData,
    ...m.rollout.flatMap((r) => [r.file, ...r.externalData]),
    ...(m.goalReadout ? [m.goalReadout.file] : []),
    ...(m.subgoalProposer ? [m.subgoalProposer.file] : []),
  ];
}

async function checkFile(path: string): Promise<void> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
    size = s.size;
  } catch (cause) {
    throw new ModelError('FILE_MISSING', `model file ${path} is missing or unreadable`, { cause });
  }
  if (size === 0) throw new ModelError('FILE_MISSING', `model file ${path} is empty`);
}

/** The rollout entry for a horizon. @throws ModelError INPUT_INVALID when the model has none. */
export function rolloutFor(m: Manifest, horizon: number): RolloutEntry {
  const entry = m.rollout.find((r) => r.horizon === horizon);
  if (!entry) {
    throw new ModelError('INPUT_INVALID', `model '${m.name}' has no rollout graph for horizon ${horizon} (have ${m.rollout.map((r) => r.horizon).join(', ')})`);
  }
  return entry;
}
