/**
 * The pick-and-place scenario runner over ROS 2: send the three subgoal images to the planner with
 * SetGoalSequence, let it run until its budgets are spent (GOAL_REACHED) or a timeout, and judge
 * the outcome from the cube, target and tool poses and the finger opening — the same criterion as
 * the built-in simulator's (cube within 5 cm of the target, on the table, released, gripper away).
 * Against the built-in simulator node every pose arrives as PoseStamped; against Gazebo the cube
 * comes from the ros_gz bridge as a TFMessage (one transform per child frame), the target is a
 * fixed point of the world, and the tool position is the forward kinematics of the joint states.
 */
import { evaluateTask, type TaskInfo } from '../../sim/tasks.js';
import type { Logger } from '../log.js';
import type { RgbImage } from '../model/image.js';
import { FINGER_TRAVEL, forwardKinematics } from '../robot/panda-kinematics.js';
import type { JointStateMsg, PoseStampedMsg } from './convert.js';
import type { RclModule } from './rcl-types.js';
import { imageToMsg } from './send-goal.js';

/** What the runner listens to and whom it talks to. */
export interface ScenarioOptions {
  /** Planner node name, e.g. /jepa_mpc_planner. */
  readonly planner: string;
  /** Simulator node to reset first (its ~/reset Trigger), or undefined. */
  readonly sim?: string;
  readonly goals: readonly RgbImage[];
  readonly steps: readonly number[];
  readonly timeoutS: number;
  readonly topics: { readonly cube: string; readonly target: string; readonly pose: string; readonly joints: string };
  /** Cube centre height when resting on the table (m). */
  readonly cubeRestZ: number;
  /** When set, topics.cube carries tf2_msgs/TFMessage and the cube is the transform with this child frame. */
  readonly cubeFrame?: string;
  /** A fixed target point [3] (m, base frame) instead of the topics.target PoseStamped. */
  readonly target?: readonly number[];
  /** Take the tool position from the arm joints of topics.joints (forward kinematics), not topics.pose. */
  readonly tcpFromJoints?: boolean;
}

/**
 * Where launch/sim_gazebo.launch.py puts things (sim/gazebo/worlds/tabletop.sdf and
 * sim/gazebo/bridge.yaml; tests/ros/gazebo-harness.test.ts keeps these in step with them).
 */
export const GAZEBO_SCENARIO = {
  /** TFMessage topic of the task cube's pose (the bridge's ROS name). */
  cubeTopic: '/gz/task_cube/pose',
  /** child_frame_id of the task cube (the SDF model name). */
  cubeFrame: 'task_cube',
  /** The world's place_target disc (m, world = robot base frame). */
  target: [0.5129, -0.1902, 0],
  /** joint_state_broadcaster's topic. */
  jointsTopic: '/joint_states',
  /** The camera as the bridge publishes it (the planner launch's camera_topic default). */
  cameraTopic: '/camera/image_raw',
  /** Controller names after the joint prefix (fr3_ → fr3_arm_controller; sim/gazebo/config/controllers.yaml). */
  armControllerSuffix: 'arm_controller',
  gripperControllerSuffix: 'gripper_controller',
} as const;

/** tf2_msgs/TFMessage (the fields used). */
export interface TFMessageMsg {
  transforms: ReadonlyArray<{ child_frame_id: string; transform: { translation: { x: number; y: number; z: number } } }>;
}

/** The latest poses the verdict is made from. */
export interface SceneSnapshot {
  tcp?: readonly number[];
  cube?: readonly number[];
  target?: readonly number[];
  /** Mean finger opening per finger (m). */
  fingerOpening?: number;
}

/** Judges pick-and-place from a snapshot; undefined while a pose is still missing. */
export function judgePickPlace(s: SceneSnapshot, cubeRestZ: number): TaskInfo | undefined {
  if (!s.tcp || !s.cube || !s.target || s.fingerOpening === undefined) return undefined;
  const closedness = 1 - Math.min(1, Math.max(0, s.fingerOpening / FINGER_TRAVEL));
  return evaluateTask('pick-place', { tcp: s.tcp, cube: s.cube, target: s.target, restZ: cubeRestZ, gripperCommand: closedness });
}

const position = (m: PoseStampedMsg) => [m.pose.position.x, m.pose.position.y, m.pose.position.z];

/** Arm joint name suffixes in kinematic order (fr3_joint1 / panda_joint1 …). */
export const ARM_JOINT_SUFFIXES = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'] as const;

/**
 * Position [3] of the transform whose child frame is `frame` (exactly, or as the last part of a
 * gz scoped name such as `tabletop::task_cube`); undefined when the message has none.
 */
export function positionFromTransforms(msg: TFMessageMsg, frame: string): number[] | undefined {
  const t = msg.transforms.find((x) => x.child_frame_id === frame || x.child_frame_id.endsWith(`::${frame}`));
  return t ? [t.transform.translation.x, t.transform.translation.y, t.transform.translation.z] : undefined;
}

/** Index of each arm joint (kinematic order) in a joint-state name list; -1 where missing. */
export function armJointIndices(names: readonly string[]): number[] {
  return ARM_JOINT_SUFFIXES.map((suffix) => names.findIndex((n) => n.endsWith(suffix) && !n.includes('finger')));
}

/** The 7 arm joint positions in kinematic order, in any message order; undefined if one is missing or not finite. */
export function armJointPositions(names: readonly string[], positions: ArrayLike<number>): number[] | undefined {
  const q = armJointIndices(names).map((i) => (i >= 0 ? (positions[i] as number) : NaN));
  return q.every(Number.isFinite) ? q : undefined;
}

/** Tool-centre position [3] by forward kinematics of the 7 arm joints in a joint state; undefined if one is missing or not finite. */
export function tcpFromJointState(names: readonly string[], positions: ArrayLike<number>): number[] | undefined {
  const q = armJointPositions(names, positions);
  return q ? Array.from(forwardKinematics(q).position.slice(0, 3)) : undefined;
}

/** Mean opening of the finger joints (m per finger) in a joint state; undefined without fingers. */
export function fingerOpeningFromJointState(names: readonly string[], positions: ArrayLike<number>): number | undefined {
  const fingers = names.map((n, i) => (n.includes('finger') ? (positions[i] as number) : NaN)).filter(Number.isFinite);
  return fingers.length ? fingers.reduce((a, b) => a + b, 0) / fingers.length : undefined;
}

/** Runs the scenario; resolves with the verdict (undefined info when poses never arrived). */
export async function runScenario(rcl: RclModule, o: ScenarioOptions, log: Logger): Promise<{ success: boolean; info?: TaskInfo; lastStatus?: string; elapsedS: number }> {
  const node = rcl.createNode('jepa_mpc_scenario');
  const snapshot: SceneSnapshot = o.target ? { target: [...o.target] } : {};
  let lastStatus: { code_name: string; message: string; subgoal_index: number; subgoal_count: number } | undefined;
  const opts = { qos: rcl.QoS.profileSensorData, enableTypedArray: true };
  const cubeFrame = o.cubeFrame;
  if (cubeFrame) {
    node.createSubscription('tf2_msgs/msg/TFMessage', o.topics.cube, opts, (m: TFMessageMsg) => (snapshot.cube = positionFromTransforms(m, cubeFrame) ?? snapshot.cube));
  } else {
    node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.cube, opts, (m: PoseStampedMsg) => (snapshot.cube = position(m)));
  }
  if (!o.target) node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.target, opts, (m: PoseStampedMsg) => (snapshot.target = position(m)));
  if (!o.tcpFromJoints) node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.pose, opts, (m: PoseStampedMsg) => (snapshot.tcp = position(m)));
  node.createSubscription('sensor_msgs/msg/JointState', o.topics.joints, opts, (m: JointStateMsg) => {
    snapshot.fingerOpening = fingerOpeningFromJointState(m.name, m.position) ?? snapshot.fingerOpening;
    if (o.tcpFromJoints) snapshot.tcp = tcpFromJointState(m.name, m.position) ?? snapshot.tcp;
  });
  node.createSubscription('jepa_mpc_interfaces/msg/PlannerStatus', `${o.planner}/status`, { enableTypedArray: true }, (m: typeof lastStatus) => (lastStatus = m));
  rcl.spin(node);
  const t0 = Date.now();
  try {
    if (o.sim) {
      const reset = node.createClient('std_srvs/srv/Trigger', `${o.sim}/reset`);
      if (await reset.waitForService(5000)) log.info(await reset.sendRequestAsync({}), 'simulator reset');
      else log.warn({ sim: o.sim }, 'simulator reset service not available; running from its current state');
    }
    const client = node.createClient('jepa_mpc_interfaces/srv/SetGoalSequence', `${o.planner}/set_goal_sequence`);
    if (!(await client.waitForService(10_000))) throw new Error(`${o.planner}/set_goal_sequence is not available (is the planner running?)`);
    const response = await client.sendRequestAsync({ images: o.goals.map((g) => imageToMsg(g)), file_names: [], max_steps: [...o.steps], energy_thresholds: [] });
    if (response['accepted'] !== true) throw new Error(`the planner refused the goals: ${String(response['message'])}`);
    log.info({ goals: o.goals.length, steps: o.steps }, 'goal sequence sent');
    const deadline = t0 + o.timeoutS * 1000;
    while (Date.now() < deadline && lastStatus?.code_name !== 'GOAL_REACHED') await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 500)); // let the last poses arrive
    const info = judgePickPlace(snapshot, o.cubeRestZ);
    return { success: info?.success ?? false, ...(info ? { info } : {}), ...(lastStatus ? { lastStatus: `${lastStatus.code_name}: ${lastStatus.message}` } : {}), elapsedS: (Date.now() - t0) / 1000 };
  } finally {
    node.destroy();
  }
}
