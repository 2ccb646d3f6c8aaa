/**
 * Set-up shared by `demo` and `eval`: the flags that pick the model, task, planner and seeds, and
 * the simulator options that match the model (control period from its manifest).
 */
import { simViewsOptions } from '../loop/sim-frame.js';
import { modelViews } from '../model/manifest.js';
import type { ParseArgsConfig } from 'node:util';
import type { ExpertOptions } from '../../sim/expert.js';
import { CUBE_COLOURS, MAX_CAMERA_JITTER, perturbedOptions, type Perturbation, type Rgb01 } from '../../sim/perturb.js';
import { DEFAULT_CAMERA, type TabletopOptions } from '../../sim/tabletop.js';
import { parseTaskName, type TaskName } from '../../sim/tasks.js';
import type { PlannerConfig } from '../core/mpc.js';
import type { PlannerSettings } from '../model/planner-settings.js';
import { SUBGOAL_SCHEMES, type SubgoalScheme } from '../loop/goals.js';
import type { Manifest } from '../model/manifest.js';
import { choiceFlag, intFlag, numberFlag, onOffFlag } from './args.js';
import { CliError } from './cli-error.js';
import { PLANNER_FLAG_HELP, PLANNER_FLAG_OPTIONS, plannerFromSettings, plannerSettingsFromFlags } from './planner-flags.js';

/** Goal-image scheme of `demo`, `eval` and `scenario` for a model whose manifest names none (simulator.subgoals). */
export const DEFAULT_SUBGOAL_SCHEME: SubgoalScheme = 'waypoints';

/** The model `demo` and `eval` use unless --model says otherwise. */
export const SIM_MODEL = 'sim-jepa-ac';

/** parseArgs specs of the flags shared by demo and eval (the planner's from the one settings schema). */
export const RUN_OPTIONS = {
  task: { type: 'string' },
  seed: { type: 'string' },
  ...PLANNER_FLAG_OPTIONS,
  subgoals: { type: 'string' },
  'subgoal-steps': { type: 'string' },
  'image-size': { type: 'string' },
  shadows: { type: 'string' },
  'camera-jitter': { type: 'string' },
  'light-azimuth': { type: 'string' },
  'cube-colour': { type: 'string' },
  propose: { type: 'string' },
  'goal-readout': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Help text of {@link RUN_OPTIONS}. */
export const RUN_HELP = [
  '  --task NAME          reach|grasp|pick-place',
  '  --seed S             layout seed (default 0)',
  PLANNER_FLAG_HELP,
  `  --subgoals NAME      goal images: ${SUBGOAL_SCHEMES.join('|')} (default: the model's simulator.subgoals, else ${DEFAULT_SUBGOAL_SCHEME}; paper = grasped, near target, placed; waypoints adds hover and at-cube frames before the grasp and a lowered one before the release; final = the finished task only)`,
  "  --propose on|off     let the model's subgoal proposer make the stages no goal image was given for (default: on when the model has one)",
  "  --goal-readout on|off read each goal image's gripper with the model's goal readout (default on; off: the proposer's closedness, else none)",
  "  --subgoal-steps LIST step budget per subgoal, e.g. 12,10,8 (default: the scheme's)",
  "  --image-size N       camera resolution (default: the model's input size, the resolution it was trained on)",
  "  --shadows on|off     draw shadows in the simulator (default: the model's manifest, simulator.shadows: what it was trained on)",
  'perturbations (what the model has not seen; goal images are drawn through the same perturbed simulator):',
  `  --camera-jitter CM,DEG  per episode, move the camera CM cm and turn it DEG degrees in seeded random directions (at most ${MAX_CAMERA_JITTER.cm},${MAX_CAMERA_JITTER.deg})`,
  '  --light-azimuth DEG  turn the light (shading and shadows) about the vertical by DEG degrees',
  `  --cube-colour C      the cube's colour: ${Object.keys(CUBE_COLOURS).join('|')} or R,G,B in [0, 1] (trained: red)`,
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
  return {
    task,
    seed: intFlag('seed', str('seed'), 0),
    planner,
    plannerSettings,
    subgoals: choiceFlag('subgoals', str('subgoals'), SUBGOAL_SCHEMES, m.simulator.subgoals ?? DEFAULT_SUBGOAL_SCHEME),
    subgoalSteps,
    perturbation: perturbationFromFlags(values),
    propose: proposeFlag(str('propose'), m, task),
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

/** Parses --camera-jitter, --light-azimuth and --cube-colour. @throws CliError for malformed values. */
export function perturbationFromFlags(values: Record<string, string | boolean | undefined>): Perturbation {
  const jitterText = values['camera-jitter'] as string | undefined;
  const lightText = values['light-azimuth'] as string | undefined;
  const colourText = values['cube-colour'] as string | undefined;
  const out: { cameraJitter?: { cm: number; deg: number }; lightAzimuthDeg?: number; cubeColour?: Rgb01 } = {};
  if (jitterText !== undefined) {
    const parts = jitterText.split(',');
    if (parts.length !== 2) throw new CliError(`--camera-jitter must be CM,DEG (e.g. 2,2), got '${jitterText}'`);
    out.cameraJitter = {
      cm: numberFlag('camera-jitter (cm)', parts[0], 0, 0, MAX_CAMERA_JITTER.cm),
      deg: numberFlag('camera-jitter (deg)', parts[1], 0, 0, MAX_CAMERA_JITTER.deg),
    };
  }
  if (lightText !== undefined) out.lightAzimuthDeg = numberFlag('light-azimuth', lightText, 0, -360, 360);
  if (colourText !== undefined) {
    const named = CUBE_COLOURS[colourText];
    const parts = colourText.split(',');
    if (named) out.cubeColour = named;
    else if (parts.length === 3) out.cubeColour = parts.map((v, i) => numberFlag(`cube-colour[${i}]`, v, 0, 0, 1)) as unknown as Rgb01;
    else throw new CliError(`--cube-colour must be one of ${Object.keys(CUBE_COLOURS).join('|')} or R,G,B in [0, 1], got '${colourText}'`);
  }
  return out;
}

/** `--propose on|off`: default on exactly when the model has a subgoal proposer for the task; on without one is an error. */
function proposeFlag(value: string | undefined, m: Manifest, task: TaskName): boolean {
  const on = onOffFlag('propose', value, m.subgoalProposer?.task === task);
  if (on && m.subgoalProposer?.task !== task)
    throw new CliError(`--propose on: model '${m.name}' has no subgoal proposer for ${task} (manifest subgoalProposer)`);
  return on;
}
