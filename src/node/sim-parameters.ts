/**
 * The simulator node's parameters, one schema like the planner's (src/node/parameters.ts): type,
 * default, range or choices, unit, description, read-only or live; checked by the same rules, and
 * turned into the simulator they describe.
 */
import { TabletopSim } from '../../sim/tabletop.js';
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
}

/** Checks simulator-node parameter values against the schema; returns the problems (empty when valid). */
export function checkSimParameters(values: Record<string, unknown>): string[] {
  return checkSchema(SIM_PARAMETERS as Record<string, ParamSpec>, values);
}

/** The simulator the parameters describe. @throws Error naming every invalid parameter. */
export async function simFromParameters(values: Record<string, unknown>): Promise<{ sim: TabletopSim; params: SimParamValues }> {
  const problems = checkSimParameters(values);
  if (problems.length) throw new Error(`invalid simulator parameters: ${problems.join('; ')}`);
  const p = values as unknown as SimParamValues;
  const sim = await TabletopSim.create({
    task: p.task,
    controlPeriod: p.control_period_s,
    camera: { width: p.image_size, height: p.image_size },
    shadows: p.shadows,
    wrist: p.wrist,
  });
  return { sim, params: p };
}
