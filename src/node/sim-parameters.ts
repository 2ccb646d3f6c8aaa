/**
 * The simulator node's parameters, one schema like the planner's (src/node/parameters.ts): type,
 * default, range or choices, unit, description, read-only or live; checked by the same rules, and
 * turned into the simulator they describe — with `eval`'s perturbations (sim/perturb.ts: the light
 * turned, raised or dimmed, the camera moved per layout seed, another cube or table colour,
 * distractors), so that the appearance suite's cases run over ROS 2 too.
 */
import { APPEARANCE_LIMITS, type Appearance } from '../../sim/appearance.js';
import { CUBE_COLOURS, MAX_CAMERA_JITTER, perturbedOptions, TABLE_COLOURS, type Perturbation } from '../../sim/perturb.js';
import { DEFAULT_CAMERA, TabletopSim, type TabletopOptions } from '../../sim/tabletop.js';
import { TASK_NAMES, type TaskName } from '../../sim/tasks.js';
import { checkSchema, type ParamSpec } from './parameters.js';
import { DEFAULT_COMMAND_TIMEOUT_S } from './sim-node.js';

/** Largest layout seed (int32, as the seeds everywhere). */
const MAX_SEED = 2 ** 31 - 1;

/** Every simulator-node parameter. Only `seed` may change while the node runs (then call ~/reset). */
export const SIM_PARAMETERS = {
  task: { type: 'string', default: 'pick-place', choices: TASK_NAMES, description: 'Task scored', readOnly: true },
  seed: { type: 'integer', default: 0, min: 0, max: MAX_SEED, description: 'Layout seed used by ~/reset (settable: set it, then call ~/reset)' },
  image_size: { type: 'integer', default: 128, min: 64, max: 256, unit: 'px', description: 'Camera resolution (square)', readOnly: true },
  shadows: { type: 'bool', default: false, description: "Draw shadows on the table (as the model's manifest `simulator.shadows` says)", readOnly: true },
  wrist: {
    type: 'bool',
    default: false,
    description: "Also publish the hand camera on wrist_camera/image_raw (a model whose manifest's views include wrist)",
    readOnly: true,
  },
  control_period_s: {
    type: 'double',
    default: 0.25,
    min: 0.01,
    max: 10,
    unit: 's',
    description: 'Seconds simulated per step (one command per step)',
    readOnly: true,
  },
  command_timeout_s: {
    type: 'double',
    default: DEFAULT_COMMAND_TIMEOUT_S,
    min: 0,
    max: 60,
    unit: 's',
    description: 'A twist holds at most this long after its stamp (the arm stops when commands stop)',
    readOnly: true,
  },
  frame_id: { type: 'string', default: 'fr3_link0', description: 'Base frame of published poses', readOnly: true },
  joint_prefix: { type: 'string', default: 'fr3_', description: 'Prefix of published joint names', readOnly: true },
  gripper_namespace: {
    type: 'string',
    default: 'franka_gripper',
    description: 'Namespace of the franka_gripper Move, Grasp and Homing action servers (franka_msgs; served when it is built)',
    readOnly: true,
  },
  // The appearance, as `eval`'s perturbation flags (0 / '' = as the shipped models were trained).
  light_azimuth_deg: {
    type: 'double',
    default: 0,
    min: APPEARANCE_LIMITS.lightAzimuthDeg[0],
    max: APPEARANCE_LIMITS.lightAzimuthDeg[1],
    unit: 'deg',
    description: 'The light turned about the vertical (eval --light-azimuth)',
    readOnly: true,
  },
  light_elevation_deg: {
    type: 'double',
    default: 0,
    min: 0,
    max: APPEARANCE_LIMITS.lightElevationDeg[1],
    unit: 'deg',
    description: `The light's elevation above the table, ${APPEARANCE_LIMITS.lightElevationDeg.join('-')} (0 = as trained: shadows from 45, key light from 60; eval --light-elevation)`,
    readOnly: true,
  },
  light_intensity: {
    type: 'double',
    default: 1,
    min: APPEARANCE_LIMITS.lightIntensity[0],
    max: APPEARANCE_LIMITS.lightIntensity[1],
    description: 'Every light scaled by this factor (eval --light-intensity)',
    readOnly: true,
  },
  camera_jitter_cm: {
    type: 'double',
    default: 0,
    min: 0,
    max: MAX_CAMERA_JITTER.cm,
    unit: 'cm',
    description: 'The camera moved this far, in a direction drawn from each layout seed as eval draws it (eval --camera-jitter CM,DEG)',
    readOnly: true,
  },
  camera_jitter_deg: {
    type: 'double',
    default: 0,
    min: 0,
    max: MAX_CAMERA_JITTER.deg,
    unit: 'deg',
    description: 'The camera turned this far about an axis drawn from each layout seed (eval --camera-jitter CM,DEG)',
    readOnly: true,
  },
  cube_colour: {
    type: 'string',
    default: '',
    choices: ['', ...Object.keys(CUBE_COLOURS)],
    description: "The task cube's colour ('' = as trained; eval --cube-colour)",
    readOnly: true,
  },
  table_colour: {
    type: 'string',
    default: '',
    choices: ['', ...Object.keys(TABLE_COLOURS)],
    description: "The table's colour ('' = as trained; eval --table-colour)",
    readOnly: true,
  },
  distractors: {
    type: 'integer',
    default: 0,
    min: APPEARANCE_LIMITS.distractors[0],
    max: APPEARANCE_LIMITS.distractors[1],
    description: 'Distractor cubes on the table (eval --distractors)',
    readOnly: true,
  },
} as const satisfies Record<string, ParamSpec>;

/** The simulator node's parameter values. */
export interface SimParamValues {
  task: TaskName;
  seed: number;
  image_size: number;
  shadows: boolean;
  wrist: boolean;
  control_period_s: number;
  command_timeout_s: number;
  frame_id: string;
  joint_prefix: string;
  gripper_namespace: string;
  light_azimuth_deg: number;
  light_elevation_deg: number;
  light_intensity: number;
  camera_jitter_cm: number;
  camera_jitter_deg: number;
  cube_colour: string;
  table_colour: string;
  distractors: number;
}

/** Checks simulator-node parameter values against the schema; returns the problems (empty when valid). */
export function checkSimParameters(values: Record<string, unknown>): string[] {
  const problems = checkSchema(SIM_PARAMETERS as Record<string, ParamSpec>, values);
  // 0 means "as trained"; a set elevation must lie in the appearance's range.
  const [lo, hi] = APPEARANCE_LIMITS.lightElevationDeg;
  const elevation = values['light_elevation_deg'];
  if (typeof elevation === 'number' && elevation !== 0 && !(elevation >= lo && elevation <= hi))
    problems.push(`light_elevation_deg must be 0 (as trained) or in [${lo}, ${hi}], got ${elevation}`);
  return problems;
}

/** The appearance parameters (launch/sim_mujoco.launch.py passes each), in the schema's order. */
export const APPEARANCE_PARAMETERS = [
  'light_azimuth_deg',
  'light_elevation_deg',
  'light_intensity',
  'camera_jitter_cm',
  'camera_jitter_deg',
  'cube_colour',
  'table_colour',
  'distractors',
] as const satisfies readonly (keyof typeof SIM_PARAMETERS)[];

/** The perturbation the appearance parameters describe (what `eval`'s flags of the same values make). */
export function perturbationOf(p: SimParamValues): Perturbation {
  return {
    ...(p.light_azimuth_deg !== 0 ? { lightAzimuthDeg: p.light_azimuth_deg } : {}),
    ...(p.light_elevation_deg !== 0 ? { lightElevationDeg: p.light_elevation_deg } : {}),
    ...(p.light_intensity !== 1 ? { lightIntensity: p.light_intensity } : {}),
    ...(p.camera_jitter_cm > 0 || p.camera_jitter_deg > 0 ? { cameraJitter: { cm: p.camera_jitter_cm, deg: p.camera_jitter_deg } } : {}),
    ...(p.cube_colour ? { cubeColour: CUBE_COLOURS[p.cube_colour] } : {}),
    ...(p.table_colour ? { tableColour: TABLE_COLOURS[p.table_colour] } : {}),
    ...(p.distractors > 0 ? { distractors: p.distractors } : {}),
  };
}

/** A simulator from the parameters, and the camera each layout seed puts it at (a jittered camera moves per seed; else undefined). */
export interface SimFromParameters {
  readonly sim: TabletopSim;
  readonly params: SimParamValues;
  readonly perturbation: Perturbation;
  readonly cameraFor?: (seed: number) => Appearance['camera'];
}

/** The simulator the parameters describe. @throws Error naming every invalid parameter (a perturbation out of its range too). */
export async function simFromParameters(values: Record<string, unknown>): Promise<SimFromParameters> {
  const problems = checkSimParameters(values);
  if (problems.length) throw new Error(`invalid simulator parameters: ${problems.join('; ')}`);
  const p = values as unknown as SimParamValues;
  const base: TabletopOptions = {
    task: p.task,
    controlPeriod: p.control_period_s,
    camera: { width: p.image_size, height: p.image_size },
    shadows: p.shadows,
    wrist: p.wrist,
  };
  const perturbation = perturbationOf(p);
  let options: TabletopOptions;
  try {
    options = perturbedOptions(base, perturbation, DEFAULT_CAMERA, p.seed);
  } catch (error) {
    throw new Error(`invalid simulator parameters: ${(error as Error).message}`);
  }
  const sim = await TabletopSim.create(options);
  const cameraFor = perturbation.cameraJitter ? (seed: number) => perturbedOptions(base, perturbation, DEFAULT_CAMERA, seed).camera : undefined;
  return { sim, params: p, perturbation, ...(cameraFor ? { cameraFor } : {}) };
}
