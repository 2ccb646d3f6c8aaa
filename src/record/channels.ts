/**
 * The channels of a recording: each topic with its ROS 2 type. Topics the running nodes publish
 * keep their names under `ros2 launch jepa_mpc sim_mujoco.launch.py` (src/ros/topics.ts: the
 * simulator node in {@link SIM_NAMESPACE}, the planner node's `~/` topics under its name), so a bag
 * recorded from the nodes with `ros2 bag record -s mcap` and a file from `demo`/`eval` open in the
 * same Foxglove layout (docs/foxglove-layout.json). The rest only recordings have: energy and
 * latent distance per plan, the active goal image, TF, scene markers and the episode channel.
 */
import { NAMES, PLANNER_NODE, SIM_NAMES, SIM_NAMESPACE, SIM_NODE, simTopic } from '../ros/topics.js';
import { PLANNER_STATUS_TYPE } from './msg-definitions.js';
import type { QosKind } from './qos.js';

/** A node's private topic's absolute name (`~/status` of the planner → `/jepa_mpc_planner/status`). */
function privateTopic(node: string, name: string): string {
  return `/${node}/${name.replace(/^~\//, '')}`;
}

const plannerTopic = (name: string): string => privateTopic(PLANNER_NODE, name);

/** A channel: topic, ROS 2 type and the QoS its publisher offers (default: rmw's default profile). */
export interface ChannelSpec {
  readonly topic: string;
  readonly type: string;
  readonly qos?: QosKind;
}

/** Every channel a recording may hold (a channel appears in a file once a message is written to it). */
export const CHANNELS = {
  image: { topic: simTopic('image'), type: 'sensor_msgs/msg/Image', qos: 'sensorData' },
  wristImage: { topic: simTopic('wristImage'), type: 'sensor_msgs/msg/Image', qos: 'sensorData' },
  pose: { topic: simTopic('pose'), type: 'geometry_msgs/msg/PoseStamped', qos: 'sensorData' },
  jointStates: { topic: simTopic('jointStates'), type: 'sensor_msgs/msg/JointState' },
  cubePose: { topic: simTopic('cubePose'), type: 'geometry_msgs/msg/PoseStamped' },
  targetPose: { topic: simTopic('targetPose'), type: 'geometry_msgs/msg/PoseStamped' },
  /** The simulator node's task metrics as JSON (its `~/task`). */
  task: { topic: privateTopic(SIM_NODE, SIM_NAMES.task), type: 'std_msgs/msg/String' },
  twist: { topic: simTopic('twist'), type: 'geometry_msgs/msg/TwistStamped' },
  poseTarget: { topic: simTopic('poseTarget'), type: 'geometry_msgs/msg/PoseStamped' },
  jointTrajectory: { topic: simTopic('jointTrajectory'), type: 'trajectory_msgs/msg/JointTrajectory' },
  status: { topic: plannerTopic(NAMES.status), type: PLANNER_STATUS_TYPE },
  planPath: { topic: plannerTopic(NAMES.planPath), type: 'visualization_msgs/msg/Marker' },
  energy: { topic: plannerTopic('energy'), type: 'std_msgs/msg/Float64' },
  latentDistance: { topic: plannerTopic('latent_distance'), type: 'std_msgs/msg/Float64' },
  /** The goal image of the stage the planner steers to, sent when the stage changes. */
  goalImage: { topic: plannerTopic('goal_image'), type: 'sensor_msgs/msg/Image' },
  tf: { topic: '/tf', type: 'tf2_msgs/msg/TFMessage', qos: 'tf' },
  /** The cube, the target and the planned path as markers for a 3D panel. */
  sceneMarkers: { topic: `${SIM_NAMESPACE}/scene_markers`, type: 'visualization_msgs/msg/MarkerArray' },
  /** Episode starts and verdicts as JSON (a file of `eval` holds several episodes one after another). */
  episode: { topic: '/jepa_mpc/episode', type: 'std_msgs/msg/String' },
} as const satisfies Record<string, ChannelSpec>;

/** A channel's key. */
export type ChannelKey = keyof typeof CHANNELS;
