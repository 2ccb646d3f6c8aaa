/**
 * Every topic and service name the ROS shells use, in one place: the planner node's and the
 * simulator node's (relative, so launch files remap them), and the absolute names the built-in
 * simulator node has under its namespace, which `scenario` and `capture-goals` default to.
 */

/** The planner node's name (the launch files use it too). */
export const PLANNER_NODE = 'jepa_mpc_planner';
/** The built-in simulator node's name. */
export const SIM_NODE = 'jepa_mpc_sim';

/** Topic and service names of the planner node (relative: remappable; `~/` = in the node's namespace). */
export const NAMES = {
  image: 'image',
  compressedImage: 'image/compressed',
  /** The hand camera, for models whose views include wrist (subscribed only then). */
  wristImage: 'wrist_image',
  wristCompressedImage: 'wrist_image/compressed',
  pose: 'current_pose',
  jointStates: 'joint_states',
  twist: 'delta_twist_cmds',
  poseTarget: 'pose_target',
  jointTrajectory: 'joint_trajectory',
  gripperPosition: 'gripper_command',
  status: '~/status',
  planPath: '~/plan_path',
  setGoal: '~/set_goal',
  setGoalSequence: '~/set_goal_sequence',
  start: '~/start',
  stop: '~/stop',
  clearGoal: '~/clear_goal',
  /** The PickPlace action (jepa_mpc_interfaces/action/PickPlace). */
  pickPlace: '~/pick_place',
} as const;

/** Topic and service names of the simulator node (relative: remappable). */
export const SIM_NAMES = {
  image: 'camera/image_raw',
  /** Published only with the `wrist` parameter. */
  wristImage: 'wrist_camera/image_raw',
  pose: 'current_pose',
  jointStates: 'joint_states',
  cubePose: 'cube_pose',
  targetPose: 'target_pose',
  task: '~/task',
  twist: 'delta_twist_cmds',
  poseTarget: 'pose_target',
  jointTrajectory: 'joint_trajectory',
  gripper: 'gripper_command',
  reset: '~/reset',
} as const;

/** The namespace `ros2 launch jepa_mpc sim_mujoco.launch.py` starts the simulator node in. */
export const SIM_NAMESPACE = '/sim';

/** A simulator topic's absolute name in {@link SIM_NAMESPACE}, e.g. `/sim/cube_pose`. */
export function simTopic(name: keyof typeof SIM_NAMES): string {
  return `${SIM_NAMESPACE}/${SIM_NAMES[name]}`;
}

/** A planner service's or action's absolute name for the planner node `node` (e.g. `/jepa_mpc_planner/set_goal`). */
export function plannerService(node: string, name: 'setGoal' | 'setGoalSequence' | 'start' | 'stop' | 'clearGoal' | 'pickPlace'): string {
  return `${node}/${NAMES[name].replace(/^~\//, '')}`;
}
