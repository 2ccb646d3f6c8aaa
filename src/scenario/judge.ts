/**
 * The ROS-free core of the pick-and-place scenario: how long an episode may take, where the Gazebo
 * harness puts things, and the verdict from the poses and the finger opening — the task definition
 * of sim/tasks.ts (picked, i.e. lifted at some point, then within 5 cm of the target, on the table,
 * released, gripper away). src/ros/scenario.ts feeds it what it hears over ROS.
 */
import { evaluateTask, TASK_THRESHOLDS, type TaskInfo } from '../../sim/tasks.js';
import { armJointIndices, FINGER_TRAVEL, forwardKinematics } from '../robot/panda-kinematics.js';

export type { TaskInfo };

/** Control periods per step beyond the plan: the command, then a frame stamped after it. */
const PERIODS_PER_STEP = 3;
/** Extra seconds per episode (goal encoding, discovery). */
const TIMEOUT_SLACK_S = 30;

/**
 * The timeout of an episode: every budgeted step's plan (the slowest the planner reported so far)
 * plus its command and observation, and some slack.
 */
export function episodeTimeoutS(steps: readonly number[], periodS: number, planS: number): number {
  return steps.reduce((a, b) => a + b, 0) * (planS + PERIODS_PER_STEP * periodS) + TIMEOUT_SLACK_S;
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

/**
 * Judges pick-and-place from a snapshot; undefined while a pose is still missing. `liftedBefore`
 * is the previous verdict's `lifted` (the task needs the pick as well as the place).
 */
export function judgePickPlace(s: SceneSnapshot, cubeRestZ: number, liftedBefore = false): TaskInfo | undefined {
  if (!s.tcp || !s.cube || !s.target || s.fingerOpening === undefined) return undefined;
  const closedness = 1 - Math.min(1, Math.max(0, s.fingerOpening / FINGER_TRAVEL));
  // Fingers around a 4.5 cm cube read about half closed; a cube 5 cm up at the tool is held.
  const lift = (s.cube[2] as number) - cubeRestZ;
  const liftedNow =
    lift >= TASK_THRESHOLDS.graspLift && Math.hypot(...[0, 1, 2].map((i) => (s.cube?.[i] as number) - (s.tcp?.[i] as number))) < TASK_THRESHOLDS.heldDistance;
  return evaluateTask('pick-place', { tcp: s.tcp, cube: s.cube, target: s.target, restZ: cubeRestZ, gripperCommand: closedness }, liftedBefore || liftedNow);
}

/** Follows a pick-and-place episode's snapshots and keeps whether the cube was lifted. */
export class PickPlaceJudge {
  private lifted = false;
  private latest: TaskInfo | undefined;

  constructor(private readonly cubeRestZ: number) {}

  /** Looks at the scene now. */
  update(s: SceneSnapshot): TaskInfo | undefined {
    const info = judgePickPlace(s, this.cubeRestZ, this.lifted);
    if (info) {
      this.lifted = info.lifted;
      this.latest = info;
    }
    return info;
  }

  /** The last verdict. */
  get info(): TaskInfo | undefined {
    return this.latest;
  }
}

/**
 * Position [3] of the transform whose child frame is `frame` (exactly, or as the last part of a
 * gz scoped name such as `tabletop::task_cube`); undefined when the message has none.
 */
export function positionFromTransforms(msg: TFMessageMsg, frame: string): number[] | undefined {
  const t = msg.transforms.find((x) => x.child_frame_id === frame || x.child_frame_id.endsWith(`::${frame}`));
  return t ? [t.transform.translation.x, t.transform.translation.y, t.transform.translation.z] : undefined;
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
