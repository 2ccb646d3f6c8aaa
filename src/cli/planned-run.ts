/**
 * Set-up shared by `demo` and `eval`: the flags that pick the model, task, planner and seeds, and
 * the simulator options that match the model (control period from its manifest).
 */
import { simViewsOptions } from '../loop/sim-frame.js';
import { modelViews } from '../model/manifest.js';
import type { ParseArgsConfig } from 'node:util';
import type { ExpertOptions } from '../../sim/expert.js';
import { APPEARANCE_LIMITS } from '../../sim/appearance.js';
import { CUBE_COLOURS, MAX_CAMERA_JITTER, perturbedOptions, TABLE_COLOURS, type Perturbation, type Rgb01 } from '../../sim/perturb.js';
import { DEFAULT_CAMERA, type TabletopOptions } from '../../sim/tabletop.js';
import { parseTaskName, type TaskName } from '../../sim/tasks.js';
import type { PlannerConfig } from '../core/mpc.js';
import type { PlannerSettings } from '../model/planner-settings.js';
import { SUBGOAL_PLANS, SUBGOAL_SCHEMES, type SubgoalScheme } from '../loop/goals.js';
import { stageMismatch } from '../core/stages.js';
import type { Manifest } from '../model/manifest.js';
import { choiceFlag, intFlag, numberFlag, onOffFlag } from './args.js';
import { CliError } from './cli-error.js';
import { PLANNER_FLAG_HELP, PLANNER_FLAG_OPTIONS, plannerFromSettings, plannerSettingsFromFlags } from './planner-flags.js';

/** Goal-image scheme of `demo`, `eval` and `scenario` for a model whose manifest names none (simulator.subgoals). */
export const DEFAULT_SUBGOAL_SCHEME: SubgoalScheme = 'waypoints';

/** The model `demo` and `eval` use unless --model says otherwise. */
export const SIM_MODEL = 'sim-jepa-ac';

/** The perturbation flags' parse options (one per {@link PERTURBATION_FLAGS} entry): eval, scenario and collect-goals take them. */
export const PERTURBATION_OPTIONS = {
  'camera-jitter': { type: 'string' },
  'light-azimuth': { type: 'string' },
  'light-elevation': { type: 'string' },
  'light-intensity': { type: 'string' },
  'cube-colour': { type: 'string' },
  'table-colour': { type: 'string' },
  distractors: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** parseArgs specs of the flags shared by demo and eval (the planner's from the one settings schema). */
export const RUN_OPTIONS = {
  task: { type: 'string' },
  seed: { type: 'string' },
  ...PLANNER_FLAG_OPTIONS,
  subgoals: { type: 'string' },
  'subgoal-steps': { type: 'string' },
  'image-size': { type: 'string' },
  shadows: { type: 'string' },
  ...PERTURBATION_OPTIONS,
  propose: { type: 'string' },
  'goal-readout': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Help text of {@link RUN_OPTIONS}. */
export const RUN_HELP = [
  '  --task NAME          reach|grasp|pick-place',
  '  --seed S             layout seed (default 0)',
  PLANNER_FLAG_HELP,
  `  --subgoals NAME      goal images: ${SUBGOAL_SCHEMES.join('|')} (default: the model's simulator.subgoals, else ${DEFAULT_SUBGOAL_SCHEME}; paper = grasped, near target, placed; waypoints adds hover and at-cube frames before the grasp and a lowered one before the release; final = the finished task only)`,
  "  --propose on|off     let the model's subgoal proposer make the stages no goal image was given for (default: on when the model has one whose stages the --subgoals images fit)",
  "  --goal-readout on|off read each goal image's gripper with the model's goal readout (default on; off: the proposer's closedness, else none)",
  "  --subgoal-steps LIST step budget per subgoal, e.g. 12,10,8 (default: the scheme's)",
  "  --image-size N       camera resolution (default: the model's input size, the resolution it was trained on)",
  "  --shadows on|off     draw shadows in the simulator (default: the model's manifest, simulator.shadows: what it was trained on)",
  'perturbations (what the model has not seen; goal images are drawn through the same perturbed simulator):',
  `  --camera-jitter CM,DEG  per episode, move the camera CM cm and turn it DEG degrees in seeded random directions (at most ${MAX_CAMERA_JITTER.cm},${MAX_CAMERA_JITTER.deg})`,
  `  --light-azimuth DEG  turn the light (shading and shadows) about the vertical by DEG degrees (${APPEARANCE_LIMITS.lightAzimuthDeg.join(' to ')})`,
  `  --light-elevation DEG the light's elevation above the table, ${APPEARANCE_LIMITS.lightElevationDeg.join('-')} (trained: shadows cast from 45, shading from 60)`,
  `  --light-intensity X  scale every light by X, ${APPEARANCE_LIMITS.lightIntensity.join('-')} (trained: 1)`,
  `  --cube-colour C      the cube's colour: ${Object.keys(CUBE_COLOURS).join('|')} or R,G,B in [0, 1] (trained: red)`,
  `  --table-colour C     the table's colour: ${Object.keys(TABLE_COLOURS).join('|')} or R,G,B in [0, 1] (trained: wood)`,
  `  --distractors N      N distractor cubes (blue, then orange) on the table, ${APPEARANCE_LIMITS.distractors.join('-')} (trained: none)`,
].join('\n');

/** Parsed shared flags. */
export interface RunSettings {
  task: TaskName;
  seed: number;
  planner: PlannerConfig;
  /** The planner settings the flags set (unset = the model's): what the node's parameters get. */
  plannerSettings: Partial<PlannerSettings>;
  subgoals: SubgoalScheme;
  subgoalSteps: number[] | undefined;
  /** Whether the model's subgoal proposer fills in the stages between the given goal images. */
  propose: boolean;
  /** Simulator options before any perturbation: use {@link episodeSimOptions} for an episode's. */
  sim: TabletopOptions;
  /** What the run perturbs (empty = as trained). */
  perturbation: Perturbation;
  /** How the scripted expert that renders the goal images moves: only what the planner can do. */
  expert: ExpertOptions;
}

/** Index of the yaw delta in the 7-D action. */
const YAW_INDEX = 5;

/** Camera resolutions the simulator renders. */
const IMAGE_SIZES = [64, 96, 128, 160, 192, 224, 256];
/** Camera resolution for models whose input is not one of those. */
const DEFAULT_IMAGE_SIZE = 128;

/** Turns the shared flags into settings for a model. */
export function runSettings(values: Record<string, string | boolean | undefined>, model: { readonly manifest: Manifest }, defaultTask: TaskName): RunSettings {
  const str = (k: string) => values[k] as string | undefined;
  let task: TaskName;
  try {
    task = str('task') === undefined ? defaultTask : parseTaskName(str('task') as string);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const m = model.manifest;
  const plannerSettings = plannerSettingsFromFlags(values);
  const planner = plannerFromSettings(m, plannerSettings);
  const stepsText = str('subgoal-steps');
  const subgoalSteps = stepsText?.split(',').map((s, i) => intFlag(`subgoal-steps[${i}]`, s.trim(), 1, 1, 1000));
  // Render at the model's own resolution by default: a model trained on 64 px renders sees a
  // different (aliased) picture than a 128 px render shrunk to 64.
  const view = modelViews(m);
  const modelSize = view.height === view.width && IMAGE_SIZES.includes(view.height) ? view.height : DEFAULT_IMAGE_SIZE;
  const size = intFlag('image-size', str('image-size'), modelSize, 64, 256);
  if (!IMAGE_SIZES.includes(size)) throw new CliError(`--image-size must be one of ${IMAGE_SIZES.join(', ')}, got ${size}`);
  const subgoals = choiceFlag('subgoals', str('subgoals'), SUBGOAL_SCHEMES, m.simulator.subgoals ?? DEFAULT_SUBGOAL_SCHEME);
  return {
    task,
    seed: intFlag('seed', str('seed'), 0),
    planner,
    plannerSettings,
    subgoals,
    subgoalSteps,
    perturbation: perturbationFromFlags(values),
    propose: proposeFlag(str('propose'), m, task, subgoals),
    sim: {
      task,
      controlPeriod: m.controlPeriodS,
      camera: { width: size, height: size },
      shadows: onOffFlag('shadows', str('shadows'), m.simulator.shadows),
      ...simViewsOptions(m),
    },
    expert: { alignYaw: !m.planning.pinned.includes(YAW_INDEX) },
  };
}

/** The simulator options of one episode: the run's, perturbed with the episode's seed. */
export function episodeSimOptions(s: Pick<RunSettings, 'sim' | 'perturbation'>, seed: number): TabletopOptions {
  return perturbedOptions(s.sim, s.perturbation, DEFAULT_CAMERA, seed);
}

/** The perturbation flags' names: the keys of {@link PERTURBATION_OPTIONS}, each setting one {@link Perturbation} field. */
export const PERTURBATION_FLAGS = Object.keys(PERTURBATION_OPTIONS) as readonly (keyof typeof PERTURBATION_OPTIONS)[];

/** The perturbation flags' values among a command's parsed flags: what {@link runSettings} takes from a command that has more flags. */
export function perturbationFlagValues(values: Partial<Record<(typeof PERTURBATION_FLAGS)[number], string>>): Record<string, string | undefined> {
  return Object.fromEntries(PERTURBATION_FLAGS.map((f) => [f, values[f]]));
}

/** Parses the perturbation flags ({@link PERTURBATION_FLAGS}). @throws CliError for malformed or out-of-range values. */
export function perturbationFromFlags(values: Record<string, string | boolean | undefined>): Perturbation {
  const text = (k: (typeof PERTURBATION_FLAGS)[number]) => values[k] as string | undefined;
  const L = APPEARANCE_LIMITS;
  const out: { -readonly [K in keyof Perturbation]: Perturbation[K] } = {};
  const jitterText = text('camera-jitter');
  if (jitterText !== undefined) {
    const parts = jitterText.split(',');
    if (parts.length !== 2) throw new CliError(`--camera-jitter must be CM,DEG (e.g. 2,2), got '${jitterText}'`);
    out.cameraJitter = {
      cm: numberFlag('camera-jitter (cm)', parts[0], 0, 0, MAX_CAMERA_JITTER.cm),
      deg: numberFlag('camera-jitter (deg)', parts[1], 0, 0, MAX_CAMERA_JITTER.deg),
    };
  }
  const number = (flag: (typeof PERTURBATION_FLAGS)[number], [lo, hi]: readonly [number, number]) => {
    const v = text(flag);
    return v === undefined ? undefined : numberFlag(flag, v, 0, lo, hi);
  };
  const azimuth = number('light-azimuth', L.lightAzimuthDeg);
  if (azimuth !== undefined) out.lightAzimuthDeg = azimuth;
  const elevation = number('light-elevation', L.lightElevationDeg);
  if (elevation !== undefined) out.lightElevationDeg = elevation;
  const intensity = number('light-intensity', L.lightIntensity);
  if (intensity !== undefined) out.lightIntensity = intensity;
  const cube = colourFlag('cube-colour', text('cube-colour'), CUBE_COLOURS);
  if (cube) out.cubeColour = cube;
  const table = colourFlag('table-colour', text('table-colour'), TABLE_COLOURS);
  if (table) out.tableColour = table;
  const distractorText = text('distractors');
  if (distractorText !== undefined) out.distractors = intFlag('distractors', distractorText, 0, L.distractors[0], L.distractors[1]);
  return out;
}

/** `--NAME C`: a named colour or R,G,B in [0, 1]. @throws CliError otherwise. */
function colourFlag(name: string, value: string | undefined, named: Readonly<Record<string, Rgb01>>): Rgb01 | undefined {
  if (value === undefined) return undefined;
  const known = named[value];
  if (known) return known;
  const parts = value.split(',');
  if (parts.length === 3) return parts.map((v, i) => numberFlag(`${name}[${i}]`, v, 0, 0, 1)) as unknown as Rgb01;
  throw new CliError(`--${name} must be one of ${Object.keys(named).join('|')} or R,G,B in [0, 1], got '${value}'`);
}

/**
 * `--propose on|off`: default on exactly when the model has a subgoal proposer for the task and the
 * scheme's goal images fit its stages ({@link stageMismatch}); on without one, or with goals that
 * do not fit, is an error.
 */
function proposeFlag(value: string | undefined, m: Manifest, task: TaskName, scheme: SubgoalScheme): boolean {
  const proposer = m.subgoalProposer?.task === task ? m.subgoalProposer : undefined;
  const mismatch =
    proposer &&
    stageMismatch(
      proposer.stages,
      SUBGOAL_PLANS[task][scheme].map((s) => s.name),
    );
  const on = onOffFlag('propose', value, proposer !== undefined && mismatch === undefined);
  if (on && !proposer) throw new CliError(`--propose on: model '${m.name}' has no subgoal proposer for ${task} (manifest subgoalProposer)`);
  if (on && mismatch) throw new CliError(`--propose on with --subgoals ${scheme}: ${mismatch}`);
  return on;
}
