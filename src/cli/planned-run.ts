/**
 * Set-up shared by `demo` and `eval`: the flags that pick the model, task, planner and seeds, and
 * the simulator options that match the model (control period from its manifest).
 */
import type { ParseArgsConfig } from 'node:util';
import type { ExpertOptions } from '../../sim/expert.js';
import type { TabletopOptions } from '../../sim/tabletop.js';
import { parseTaskName, type TaskName } from '../../sim/tasks.js';
import type { PlannerConfig } from '../core/mpc.js';
import { SUBGOAL_SCHEMES, type SubgoalScheme } from '../loop/goals.js';
import type { OnnxWorldModel } from '../model/onnx-world-model.js';
import { plannerConfigFor } from '../model/planner-config.js';
import { choiceFlag, intFlag, numberFlag, onOffFlag } from './args.js';
import { CliError } from './cli-error.js';

/** Goal-image scheme of `demo` and `eval` unless --subgoals says otherwise: waypoints (pick-and-place 3/20 against 1/20 with the paper's three frames, seeds 0–19, measured with the stage-4 model; see the model card). */
export const DEFAULT_SUBGOAL_SCHEME: SubgoalScheme = 'waypoints';

/** The model `demo` and `eval` use unless --model says otherwise. */
export const SIM_MODEL = 'sim-jepa-ac';

/** parseArgs specs of the flags shared by demo and eval. */
export const RUN_OPTIONS = {
  task: { type: 'string' },
  seed: { type: 'string' },
  optimizer: { type: 'string' },
  samples: { type: 'string' },
  iterations: { type: 'string' },
  horizon: { type: 'string' },
  'warm-start': { type: 'boolean', default: false },
  'gripper-margin': { type: 'string' },
  'goal-gripper-weight': { type: 'string' },
  subgoals: { type: 'string' },
  'subgoal-steps': { type: 'string' },
  'image-size': { type: 'string' },
  shadows: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Help text of {@link RUN_OPTIONS}. */
export const RUN_HELP = [
  '  --task NAME          reach|grasp|pick-place',
  '  --seed S             layout seed (default 0)',
  "  --optimizer NAME     cem|mppi (default: the model's)",
  "  --samples N          candidates per iteration (default: the model's)",
  "  --iterations N       iterations per action (default: the model's)",
  "  --horizon H          planning horizon (default: the model's; needs a rollout graph for H)",
  '  --warm-start         start each plan from the previous plan shifted by one step',
  "  --gripper-margin R   gripper hysteresis: change the gripper only when that lowers the energy by the fraction R against holding (default: the model's)",
  "  --goal-gripper-weight W  weight of the goal-gripper term (the goal readout's closedness vs the planned one; 0 = off; default: the model's)",
  `  --subgoals NAME      goal images: ${SUBGOAL_SCHEMES.join('|')} (default ${DEFAULT_SUBGOAL_SCHEME}; paper = grasped, near target, placed; waypoints adds hover and at-cube frames before the grasp and a lowered one before the release)`,
  '  --subgoal-steps LIST step budget per subgoal, e.g. 12,10,8 (default: the scheme\'s)',
  "  --image-size N       camera resolution (default: the model's input size, the resolution it was trained on)",
  "  --shadows on|off     draw shadows in the simulator (default: the model's manifest, simulator.shadows: what it was trained on)",
].join('\n');

/** Parsed shared flags. */
export interface RunSettings {
  task: TaskName;
  seed: number;
  planner: PlannerConfig;
  subgoals: SubgoalScheme;
  subgoalSteps: number[] | undefined;
  sim: TabletopOptions;
  /** How the scripted expert that renders the goal images moves: only what the planner can do. */
  expert: ExpertOptions;
}

/** Largest --goal-gripper-weight: energies are O(1), so more than this only drowns the arm's part. */
const MAX_GOAL_GRIPPER_WEIGHT = 10;

/** Index of the yaw delta in the 7-D action. */
const YAW_INDEX = 5;

/** Camera resolutions the simulator renders. */
const IMAGE_SIZES = [64, 96, 128, 160, 192, 224, 256];
/** Camera resolution for models whose input is not one of those. */
const DEFAULT_IMAGE_SIZE = 128;

/** Turns the shared flags into settings for a model. */
export function runSettings(values: Record<string, string | boolean | undefined>, model: OnnxWorldModel, defaultTask: TaskName): RunSettings {
  const str = (k: string) => values[k] as string | undefined;
  let task: TaskName;
  try {
    task = str('task') === undefined ? defaultTask : parseTaskName(str('task') as string);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const m = model.manifest;
  const planner = plannerConfigFor(m, {
    optimizer: choiceFlag('optimizer', str('optimizer'), ['cem', 'mppi'] as const, m.planning.optimizer),
    samples: intFlag('samples', str('samples'), m.planning.samples, 1, 100_000),
    iterations: intFlag('iterations', str('iterations'), m.planning.iterations, 1, 1000),
    horizon: intFlag('horizon', str('horizon'), m.planning.horizon, 1, 64),
    warmStart: values['warm-start'] === true,
    gripperMargin: numberFlag('gripper-margin', str('gripper-margin'), m.planning.gripperMargin, 0, 0.99),
    goalGripperWeight: numberFlag('goal-gripper-weight', str('goal-gripper-weight'), m.planning.goalGripperWeight, 0, MAX_GOAL_GRIPPER_WEIGHT),
  });
  if (planner.goalGripperWeight > 0 && !m.goalReadout) {
    throw new CliError(`--goal-gripper-weight ${planner.goalGripperWeight}: model '${m.name}' has no goal readout (manifest goalReadout) to read the goal's gripper from`);
  }
  const horizon = planner.optimizer === 'cem' ? planner.cem.horizon : planner.mppi.horizon;
  if (!m.rollout.some((r) => r.horizon === horizon)) {
    throw new CliError(`--horizon ${horizon}: model '${m.name}' has rollout graphs for ${m.rollout.map((r) => r.horizon).join(', ')} only`);
  }
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
    subgoals: choiceFlag('subgoals', str('subgoals'), SUBGOAL_SCHEMES, DEFAULT_SUBGOAL_SCHEME),
    subgoalSteps,
    sim: { task, controlPeriod: m.controlPeriodS, camera: { width: size, height: size }, shadows: onOffFlag('shadows', str('shadows'), m.simulator.shadows) },
    expert: { alignYaw: !m.planning.pinned.includes(YAW_INDEX) },
  };
}
