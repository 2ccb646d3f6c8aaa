/**
 * The built-in MuJoCo tabletop as a ROS 2 node (`jepa-mpc sim-node`), so ROS users can run the
 * whole stack without Gazebo: it publishes the camera (sensor_msgs/Image rgb8), the tool pose
 * (PoseStamped), joint states (arm + fingers), the cube and target poses and the task's progress,
 * and accepts what the planner node publishes (TwistStamped, PoseStamped target, JointTrajectory,
 * finger position), one control period per timer tick.
 */
import { TabletopSim, type Observation } from '../../sim/tabletop.js';
import { TASK_NAMES, type TaskName } from '../../sim/tasks.js';
import type { Logger } from '../log.js';
import { actionFromJointTarget, actionFromPoseTarget, actionFromTwist, gripperDeltaFromFinger } from '../node/command-to-action.js';
import type { ToolPose } from '../robot/commands.js';
import { FINGER_TRAVEL } from '../robot/panda-kinematics.js';
import { matrixToQuaternion } from '../robot/quaternion.js';
import { type PoseStampedMsg, poseFromMsg, secondsToTime } from './convert.js';
import type { RclModule, RclNode, RosTime } from './rcl-types.js';

/** Topic and service names of the simulator node (relative: remappable). */
export const SIM_NAMES = {
  image: 'camera/image_raw',
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

/** Parameters of the simulator node: name → [type, default, description]. */
const SIM_PARAMS = {
  task: ['string', 'pick-place', `Task scored: ${TASK_NAMES.join(' | ')}`],
  seed: ['integer', 0, 'Layout seed used by ~/reset'],
  image_size: ['integer', 128, 'Camera resolution (square, 64-256)'],
  shadows: ['bool', false, "Draw shadows on the table (as the model's manifest `simulator.shadows` says)"],
  control_period_s: ['double', 0.25, 'Seconds simulated per step (one command per step)'],
  command_timeout_s: ['double', 0.5, 'A twist older than this is ignored (the arm holds)'],
  frame_id: ['string', 'fr3_link0', 'Base frame of published poses'],
  joint_prefix: ['string', 'fr3_', 'Prefix of published joint names'],
} as const;

/** A running simulator node. */
export interface SimShell {
  readonly node: RclNode;
  readonly sim: TabletopSim;
  /** Steps once (what the timer does). */
  step(): void;
  close(): void;
}

interface Latest<T> {
  value: T;
  at: number;
  used: boolean;
}

/** Starts the simulator node on an initialised rclnodejs. */
export async function startSimShell(rcl: RclModule, options: { log: Logger; nodeName?: string }): Promise<SimShell> {
  const node = rcl.createNode(options.nodeName ?? 'jepa_mpc_sim');
  const T = rcl.ParameterType;
  const p: Record<string, unknown> = {};
  for (const [name, [type, value, description]] of Object.entries(SIM_PARAMS)) {
    const t = (type === 'string' ? T['PARAMETER_STRING'] : type === 'integer' ? T['PARAMETER_INTEGER'] : type === 'bool' ? T['PARAMETER_BOOL'] : T['PARAMETER_DOUBLE']) as number;
    const declared = node.declareParameter(new rcl.Parameter(name, t, type === 'integer' ? BigInt(value) : value), new rcl.ParameterDescriptor(name, t, description, true));
    p[name] = typeof declared.value === 'bigint' ? Number(declared.value) : declared.value;
  }
  const task = p['task'] as TaskName;
  if (!(TASK_NAMES as readonly string[]).includes(task)) throw new Error(`task must be one of ${TASK_NAMES.join(', ')}, got '${String(task)}'`);
  const period = p['control_period_s'] as number;
  const size = p['image_size'] as number;
  const frameId = p['frame_id'] as string;
  const prefix = p['joint_prefix'] as string;
  const sim = await TabletopSim.create({ task, controlPeriod: period, camera: { width: size, height: size }, shadows: p['shadows'] === true });
  const secondsNow = () => Number(node.now().nanoseconds) / 1e9;

  const pubs = {
    image: node.createPublisher('sensor_msgs/msg/Image', SIM_NAMES.image, { qos: rcl.QoS.profileSensorData }),
    pose: node.createPublisher('geometry_msgs/msg/PoseStamped', SIM_NAMES.pose, { qos: rcl.QoS.profileSensorData }),
    joints: node.createPublisher('sensor_msgs/msg/JointState', SIM_NAMES.jointStates),
    cube: node.createPublisher('geometry_msgs/msg/PoseStamped', SIM_NAMES.cubePose),
    target: node.createPublisher('geometry_msgs/msg/PoseStamped', SIM_NAMES.targetPose),
    task: node.createPublisher('std_msgs/msg/String', SIM_NAMES.task),
  };
  const twist: { latest?: Latest<{ linear: number[]; angular: number[] }> } = {};
  const poseTarget: { latest?: Latest<ToolPose> } = {};
  const jointTarget: { latest?: Latest<number[]> } = {};
  const finger: { latest?: Latest<number> } = {};
  const opts = { enableTypedArray: true };
  node.createSubscription('geometry_msgs/msg/TwistStamped', SIM_NAMES.twist, opts, (m: { twist: { linear: { x: number; y: number; z: number }; angular: { x: number; y: number; z: number } } }) => {
    const { linear: l, angular: a } = m.twist;
    twist.latest = { value: { linear: [l.x, l.y, l.z], angular: [a.x, a.y, a.z] }, at: secondsNow(), used: false };
  });
  node.createSubscription('geometry_msgs/msg/PoseStamped', SIM_NAMES.poseTarget, opts, (m: PoseStampedMsg) => {
    poseTarget.latest = { value: poseFromMsg(m), at: secondsNow(), used: false };
  });
  node.createSubscription('trajectory_msgs/msg/JointTrajectory', SIM_NAMES.jointTrajectory, opts, (m: { points: { positions: ArrayLike<number> }[] }) => {
    const last = m.points.at(-1);
    if (last && last.positions.length >= 7) jointTarget.latest = { value: Array.from(last.positions).slice(0, 7), at: secondsNow(), used: false };
  });
  node.createSubscription('std_msgs/msg/Float64MultiArray', SIM_NAMES.gripper, opts, (m: { data: ArrayLike<number> }) => {
    const v = m.data[0];
    if (v !== undefined && Number.isFinite(v)) finger.latest = { value: v, at: secondsNow(), used: false };
  });

  const publish = (obs: Observation) => {
    const stamp: RosTime = secondsToTime(secondsNow());
    const header = { stamp, frame_id: frameId };
    pubs.image.publish({ header: { stamp, frame_id: 'sim_camera' }, height: obs.height, width: obs.width, encoding: 'rgb8', is_bigendian: 0, step: obs.width * 3, data: obs.rgb.slice() });
    const tcp = sim.tcpPose();
    const q = matrixToQuaternion(tcp.rotation);
    pubs.pose.publish({ header, pose: { position: { x: tcp.position[0], y: tcp.position[1], z: tcp.position[2] }, orientation: q } });
    const joints = Array.from(sim.jointPositions());
    const opening = FINGER_TRAVEL * (1 - obs.fingerClosedness);
    pubs.joints.publish({
      header,
      name: [...joints.map((_, i) => `${prefix}joint${i + 1}`), `${prefix}finger_joint1`, `${prefix}finger_joint2`],
      position: [...joints, opening, opening],
      velocity: [],
      effort: [],
    });
    const cube = sim.cubePose(0);
    pubs.cube.publish({ header, pose: { position: { x: cube.position[0], y: cube.position[1], z: cube.position[2] }, orientation: { w: cube.quaternion[0], x: cube.quaternion[1], y: cube.quaternion[2], z: cube.quaternion[3] } } });
    const target = sim.targetPosition();
    pubs.target.publish({ header, pose: { position: { x: target[0], y: target[1], z: target[2] }, orientation: { x: 0, y: 0, z: 0, w: 1 } } });
    pubs.task.publish({ data: JSON.stringify({ ...obs.task, step: obs.step, status: obs.status }) });
  };

  let obs = sim.reset(p['seed'] as number);
  publish(obs);
  const timeout = p['command_timeout_s'] as number;
  const step = () => {
    const now = secondsNow();
    const tool = sim.tcpPose();
    let action = [0, 0, 0, 0, 0, 0, 0];
    if (twist.latest && now - twist.latest.at <= timeout) action = actionFromTwist(twist.latest.value.linear, twist.latest.value.angular, period);
    else if (poseTarget.latest && !poseTarget.latest.used) action = actionFromPoseTarget(tool, poseTarget.latest.value);
    else if (jointTarget.latest && !jointTarget.latest.used) action = actionFromJointTarget(tool, jointTarget.latest.value);
    if (poseTarget.latest) poseTarget.latest.used = true;
    if (jointTarget.latest) jointTarget.latest.used = true;
    if (finger.latest && !finger.latest.used) {
      action[6] = gripperDeltaFromFinger(finger.latest.value, sim.gripperCommand);
      finger.latest.used = true;
    }
    obs = sim.step(action);
    publish(obs);
  };
  node.createService('std_srvs/srv/Trigger', SIM_NAMES.reset, opts, () => {
    obs = sim.reset(p['seed'] as number);
    twist.latest = undefined;
    poseTarget.latest = undefined;
    jointTarget.latest = undefined;
    finger.latest = undefined;
    publish(obs);
    return { success: true, message: `reset to seed ${String(p['seed'])}` };
  });
  const timer = node.createTimer(BigInt(Math.round(period * 1e9)), step);
  options.log.info({ task, seed: p['seed'], periodS: period, imageSize: size }, 'simulator node started');
  return {
    node,
    sim,
    step,
    close() {
      timer.cancel();
      sim.close();
      node.destroy();
    },
  };
}
