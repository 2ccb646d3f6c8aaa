/**
 * The planner node's ONE parameter schema: type, default, range or choices, unit and description
 * of every parameter. The ROS shell declares ROS parameters with descriptors from it,
 * config/planner.yaml is generated from it (`jepa-mpc params --yaml`), and every update — from a
 * params file or live — goes through {@link validateParameters}, which also holds the
 * cross-parameter rules. An invalid live update is rejected with the reasons and the old values
 * are kept. The planner's settings (samples, iterations, …, goal_gripper_weight) are
 * {@link PLANNER_SETTINGS}, shared with the CLI flags: unset means the model's value.
 */
import { PLANNER_SETTINGS, isUnset, type ParamSpec } from '../model/planner-settings.js';
import type { SafetySettings } from '../core/safety.js';
import { TABLETOP_WORKSPACE } from '../robot/workspace.js';
import { DEFAULT_RUN_TIMEOUT_MS } from '../model/worker-protocol.js';
import { PRECISIONS } from '../model/manifest.js';

export type { ParamSpec, ParamType } from '../model/planner-settings.js';

/** Every parameter of the planner node. */
export const PARAMETERS = {
  model_dir: { type: 'string', default: '', description: 'World-model folder with manifest.json; empty = the shipped models/sim-jepa-ac', readOnly: true },
  model_precision: {
    type: 'string',
    default: '',
    choices: ['', ...PRECISIONS],
    description:
      "The model folder's manifest of this precision (manifest.json where it is the folder's default, else manifest-<precision>.json; a folder without it fails the load with MODEL_ERROR); empty = manifest.json, the folder's default (sim-jepa-ac: int8 rollouts; fp32 for its fp32 graphs)",
    readOnly: true,
  },
  provider: { type: 'string', default: 'cpu', choices: ['cpu', 'cuda', 'webgpu', 'tensorrt'], description: 'onnxruntime execution provider', readOnly: true },
  provider_fallback: {
    type: 'string',
    default: 'error',
    choices: ['error', 'cpu'],
    description: 'What to do when the provider is unavailable: fail, or run on the CPU (logged)',
    readOnly: true,
  },
  device_id: { type: 'integer', default: 0, min: 0, max: 64, description: 'GPU index for cuda/tensorrt', readOnly: true },
  model_timeout_s: {
    type: 'double',
    default: DEFAULT_RUN_TIMEOUT_MS / 1000,
    min: 0,
    max: 3600,
    unit: 's',
    description:
      'A model run (one encode or one batch of candidates) not answered within this is a hung worker: it is terminated and restarted with the same model and goals while the arm holds (MODEL_ERROR). 0 = never',
    readOnly: true,
  },
  goal_dir: {
    type: 'string',
    default: 'goals',
    description: 'Folder SetGoal/SetGoalSequence file names are resolved in (no path may leave it)',
    readOnly: true,
  },
  control_rate_hz: {
    type: 'double',
    default: 0,
    min: 0,
    max: 50,
    unit: 'Hz',
    description: "Rate of the command loop; one command lasts one period. 0 = the model's (1 / manifest controlPeriodS, what it was trained at)",
    readOnly: true,
  },
  settle_s: {
    type: 'double',
    default: 0,
    min: 0,
    max: 10,
    unit: 's',
    description: 'Extra time after a command finishes before a frame and pose count as showing its result (the plan starts from those only)',
  },
  twist_rate_hz: {
    type: 'double',
    default: 0,
    min: 0,
    max: 1000,
    unit: 'Hz',
    description:
      "Twist output: re-send the command's twist at this rate during its period (MoveIt Servo halts when commands are older than its incoming_command_timeout); 0 = once per control cycle. The stamps keep the executed delta exact either way",
  },
  output_mode: {
    type: 'string',
    default: 'twist',
    choices: ['twist', 'pose', 'joint'],
    description: 'twist: TwistStamped for MoveIt Servo; pose: PoseStamped target; joint: JointTrajectory from the own Panda IK',
  },
  command_frame: { type: 'string', default: 'fr3_link0', description: 'frame_id of published commands (the robot base frame)' },
  goal_max_steps: {
    type: 'integer',
    default: 40,
    min: 1,
    max: 100000,
    description: 'Step budget of a single goal set with SetGoal (then GOAL_REACHED, holding)',
  },
  goal_energy_threshold: {
    type: 'double',
    default: 0,
    min: 0,
    max: 1000,
    description: 'A single goal counts as reached at or below this energy (0 = budget only)',
  },
  propose_stages: {
    type: 'bool',
    default: true,
    description:
      "A single goal set with SetGoal is split into stages by the model's subgoal proposer (models with one: manifest subgoalProposer) from the first frame planned from; the budgets are the proposer's. false: plan straight to the goal",
  },
  ...PLANNER_SETTINGS,
  planner_seed: { type: 'integer', default: 0, min: 0, max: 2147483647, description: 'Seed of the planner sampling' },
  workspace_min: {
    type: 'double_array',
    length: 3,
    default: TABLETOP_WORKSPACE.min,
    unit: 'm',
    description: 'Lower corner of the box the tool centre must stay in (base frame)',
  },
  workspace_max: { type: 'double_array', length: 3, default: TABLETOP_WORKSPACE.max, unit: 'm', description: 'Upper corner of the workspace box' },
  max_speed: {
    type: 'double',
    default: 0,
    min: 0,
    max: 1.7,
    unit: 'm/s',
    description: "Largest tool-centre speed (Panda limit 1.7 m/s); 0 = the speed of the planner's largest step (never cuts a planned step)",
  },
  max_angular_speed: {
    type: 'double',
    default: 0,
    min: 0,
    max: 2.5,
    unit: 'rad/s',
    description: "Largest tool rotation speed; 0 = the speed of the planner's largest rotation step",
  },
  max_decel: {
    type: 'double',
    default: 1.0,
    min: 0.01,
    max: 13,
    unit: 'm/s^2',
    description: 'Deceleration of the smooth halt when inputs go stale (twist mode)',
  },
  image_stale_s: { type: 'double', default: 0.5, min: 0.01, max: 60, unit: 's', description: 'A camera frame older than this holds the arm (STALE_IMAGE)' },
  state_stale_s: {
    type: 'double',
    default: 0.5,
    min: 0.01,
    max: 60,
    unit: 's',
    description: 'An end-effector pose older than this holds the arm (STALE_STATE)',
  },
  pose_source: {
    type: 'string',
    default: 'topic',
    choices: ['topic', 'joints'],
    description:
      "Where the tool pose comes from: the PoseStamped topic, or the project's Panda forward kinematics of joint_states (Gazebo, where no pose is published)",
  },
  compressed_image: { type: 'bool', default: false, description: 'Subscribe to sensor_msgs/CompressedImage (PNG) instead of Image', readOnly: true },
  joint_prefix: { type: 'string', default: 'fr3_', description: "Prefix of the arm's joint names in JointTrajectory commands (fr3_ or panda_)" },
  gripper_mode: {
    type: 'string',
    default: 'franka',
    choices: ['franka', 'joint', 'none'],
    description: 'franka: franka_gripper Move/Grasp actions; joint: finger position command; none: no gripper output',
  },
  gripper_namespace: { type: 'string', default: 'fr3_gripper', description: 'Namespace of the franka_gripper action servers', readOnly: true },
  gripper_max_width: { type: 'double', default: 0.08, min: 0.01, max: 0.2, unit: 'm', description: 'Finger opening at closedness 0' },
  gripper_speed: { type: 'double', default: 0.1, min: 0.001, max: 0.2, unit: 'm/s', description: 'Finger speed of gripper commands' },
  grasp_force: { type: 'double', default: 30, min: 1, max: 140, unit: 'N', description: 'Force of a Grasp command' },
  grasp_threshold: { type: 'double', default: 0.5, min: 0, max: 1, description: 'Commanded closedness above which the gripper grasps (below: opens)' },
  gripper_timeout_s: {
    type: 'double',
    default: 5,
    min: 0.1,
    max: 120,
    unit: 's',
    description: 'gripper_mode franka: a Move or Grasp goal without a result within this is cancelled and reported',
  },
} as const satisfies Record<string, ParamSpec>;

/** A parameter name. */
export type ParamName = keyof typeof PARAMETERS;

type ValueOf<S> = S extends { type: 'string'; choices: readonly (infer C)[] }
  ? C
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'bool' }
      ? boolean
      : S extends { type: 'double_array' }
        ? number[]
        : number;

/** Values of every parameter. */
export type ParamValues = { -readonly [K in ParamName]: ValueOf<(typeof PARAMETERS)[K]> };

/** The safety pipeline's settings among the parameters (the planner's bounds come from its action space). */
export function safetySettingsOf(p: ParamValues): SafetySettings {
  return {
    workspaceMin: p.workspace_min as unknown as [number, number, number],
    workspaceMax: p.workspace_max as unknown as [number, number, number],
    maxSpeed: p.max_speed,
    maxAngularSpeed: p.max_angular_speed,
  };
}

/** The defaults as values. */
export function defaultParameters(): ParamValues {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(PARAMETERS)) out[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  return out as ParamValues;
}

/** Checks one value against its spec; returns the problem in words, or undefined when it fits. */
export function checkParameter(name: string, spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return `${name} must be a string, got ${typeof value}`;
      if (spec.choices && !spec.choices.includes(value)) return `${name} must be one of ${spec.choices.join('|')}, got '${value}'`;
      return undefined;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `${name} must be true or false, got ${String(value)}`;
    case 'integer':
    case 'double': {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return `${name} must be a finite number, got ${String(value)}`;
      if (spec.type === 'integer' && !Number.isInteger(n)) return `${name} must be an integer, got ${n}`;
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return `${name} must be in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]${spec.unit ? ` ${spec.unit}` : ''}, got ${n}`;
      }
      return undefined;
    }
    case 'double_array': {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return `${name} must be an array of finite numbers`;
      if (spec.length !== undefined && value.length !== spec.length) return `${name} must have ${spec.length} values, got ${value.length}`;
      return undefined;
    }
  }
}

/** Checks values against a parameter schema: each against its spec, and no name the schema lacks. @returns the problems (empty when valid). */
export function checkSchema(schema: Record<string, ParamSpec>, values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const p = checkParameter(name, spec, values[name]);
    if (p) problems.push(p);
  }
  for (const name of Object.keys(values)) if (!(name in schema)) problems.push(`unknown parameter '${name}'`);
  return problems;
}

/**
 * Checks a full set of values: each against its spec, then the cross-parameter rules.
 * @returns the reasons it is invalid (empty when valid).
 */
export function validateParameters(values: Record<string, unknown>): string[] {
  const problems = checkSchema(PARAMETERS, values);
  if (problems.length) return problems;
  const v = values as ParamValues;
  for (const [name, spec] of Object.entries(PLANNER_SETTINGS) as [keyof typeof PLANNER_SETTINGS, ParamSpec][]) {
    const value = v[name];
    if (spec.type === 'double' && typeof value === 'number' && value < 0 && !isUnset(name, value))
      problems.push(`${name} must be >= 0, or -1 for the model's value, got ${value}`);
  }
  if (!isUnset('elites', v.elites) && !isUnset('samples', v.samples) && v.elites > v.samples)
    problems.push(`elites (${v.elites}) must not exceed samples (${v.samples})`);
  v.workspace_min.forEach((lo, i) => {
    const hi = v.workspace_max[i] as number;
    if (!(hi > lo)) problems.push(`workspace_max[${i}] (${hi}) must exceed workspace_min[${i}] (${lo})`);
  });
  if (!isUnset('gripper_snap', v.gripper_snap) && !isUnset('max_step_gripper', v.max_step_gripper) && v.gripper_snap > v.max_step_gripper)
    problems.push(`gripper_snap (${v.gripper_snap}) above max_step_gripper (${v.max_step_gripper}) would snap every gripper action`);
  return problems;
}

/** Outcome of a live update. */
export interface UpdateResult {
  readonly ok: boolean;
  readonly reason: string;
  /** The values in force after the update (the old ones when rejected). */
  readonly values: ParamValues;
}

/**
 * Applies a live update of some parameters: all accepted or none (read-only ones refused).
 * Integer values may arrive as bigint (rclnodejs) and are converted.
 */
export function updateParameters(current: ParamValues, changes: Record<string, unknown>, live = true): UpdateResult {
  const next: Record<string, unknown> = { ...current };
  const refused: string[] = [];
  for (const [name, raw] of Object.entries(changes)) {
    const value = typeof raw === 'bigint' ? Number(raw) : raw;
    const spec = (PARAMETERS as Record<string, ParamSpec>)[name];
    if (spec && live && spec.readOnly && JSON.stringify(value) !== JSON.stringify(current[name as ParamName]))
      refused.push(`${name} is read-only (set it at start-up)`);
    next[name] = value;
  }
  const problems = [...refused, ...validateParameters(next)];
  if (problems.length) return { ok: false, reason: problems.join('; '), values: current };
  return { ok: true, reason: '', values: next as ParamValues };
}

/** The description with unit and range, as shown to ROS users (`ros2 param describe`). */
export function describeParameter(name: ParamName): string {
  return describeSpec(PARAMETERS[name]);
}

/** A spec's description with unit and range or choices (any node's parameters). */
export function describeSpec(s: ParamSpec): string {
  const range = s.choices
    ? ` One of: ${s.choices.join(', ')}.`
    : s.min !== undefined || s.max !== undefined
      ? ` Range [${s.min ?? '-inf'}, ${s.max ?? 'inf'}].`
      : '';
  return `${s.description}${s.unit ? ` (${s.unit})` : ''}.${range}`;
}

function yamlValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => yamlValue(x)).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/**
 * The parameters file (ROS 2 `--params-file` format) with every default and its description.
 * Keyed `/**` rather than by node name: rclnodejs applies node-name entries after wildcard ones,
 * so a node-name file would silently beat the `/**` overrides launch files add after it.
 */
export function parametersYaml(values: ParamValues = defaultParameters()): string {
  const lines = [
    '# Parameters of the jepa-mpc planner node. Generated from src/node/parameters.ts by',
    '# `jepa-mpc params --yaml`; a test keeps this file and the schema in step. Pass it to the',
    '# planner node only (--params-file); `/**` lets later overrides (launch arguments) win.',
    '/**:',
    '  ros__parameters:',
  ];
  for (const name of Object.keys(PARAMETERS) as ParamName[]) {
    const spec: ParamSpec = PARAMETERS[name];
    const v = values[name];
    const shown =
      spec.type === 'double' && Number.isInteger(v)
        ? `${v as number}.0`
        : spec.type === 'double_array'
          ? `[${(v as number[]).map((x) => (Number.isInteger(x) ? `${x}.0` : String(x))).join(', ')}]`
          : yamlValue(v);
    lines.push(`    # ${describeParameter(name)}${spec.readOnly ? ' Read-only.' : ''}`);
    lines.push(`    ${name}: ${shown}`);
  }
  return `${lines.join('\n')}\n`;
}
