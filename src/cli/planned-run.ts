/**
 * Set-up shared by `demo` and `eval`: the flags that pick the model, task, planner and seeds, and
 * the simulator options that match the model (control period from its manifest).
 */
import type { ParseArgsConfig } from 'node:util';
import type { ExpertOptions } from '../../sim/expert.js';
import type { TabletopOptions } from '../../sim/tabletop.js';
import { parseTaskName, type TaskName } from '../../sim/tasks.js';
import type { PlannerConfig } from '../core/mpc.js';
import type { PlannerSettings } from '../model/planner-settings.js';
import { SUBGOAL_SCHEMES, type SubgoalScheme } from '../loop/goals.js';
import type { Manifest } from '../model/manifest.js';
import { choiceFlag, intFlag, onOffFlag } from './args.js';
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
} as const satisfies ParseArgsConfig['options'];

/** Help text of {@link RUN_OPTIONS}. */
export const RUN_HELP = [
  '  --task NAME          reach|grasp|pick-place',
  '  --seed S             layout seed (default 0)',
  PLANNER_FLAG_HELP,
  `  --subgoals NAME      goal images: ${SUBGOAL_SCHEMES.join('|')} (default: the model's simulator.subgoals, else ${DEFAULT_SUBGOAL_SCHEME}; paper = grasped, near target, placed; waypoints adds hover and at-cube frames before the grasp and a lowered one before the release)`,
  '  --subgoal-steps LIST step budget per subgoal, e.g. 12,10,8 (default: the scheme\'s)',
  "  --image-size N       camera resolution (default: the model's input size, the resolution it was trained on)",
  "  --shadows on|off     draw shadows in the simulator (default: the model's manifest, simulator.shadows: what it was trained on)",
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
  sim: TabletopOptions;
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
  const input = m.encoder.input;
  const modelSize = input.height === input.width && IMAGE_SIZES.includes(input.height) ? input.height : DEFAULT_IMAGE_SIZE;
  const size = intFlag('image-size', str('image-size'), modelSize, 64, 256);
  if (!IMAGE_SIZES.includes(size)) throw new CliError(`--image-size must be one of ${IMAGE_SIZES.join(', ')}, got ${size}`);
  return {
    task,
    seed: intFlag('seed', str('seed'), 0),
    planner,
    plannerSettings,
    subgoals: choiceFlag('subgoals', str('subgoals'), SUBGOAL_SCHEMES, m.simulator.subgoals ?? DEFAULT_SUBGOAL_SCHEME),
    subgoalSteps,
    sim: { task, controlPeriod: m.controlPeriodS, camera: { width: size, height: size }, shadows: onOffFlag('shadows', str('shadows'), m.simulator.shadows) },
    expert: { alignYaw: !m.planning.pinned.includes(YAW_INDEX) },
  };
}
