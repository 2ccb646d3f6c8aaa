/**
 * The built-in MuJoCo tabletop as a ROS 2 node (`jepa-mpc sim-node`), so ROS users can run the
 * whole stack without Gazebo: it publishes the camera (sensor_msgs/Image rgb8), the tool pose
 * (PoseStamped), joint states (arm + fingers), the cube and target poses and the task's progress,
 * and accepts what the planner node publishes (TwistStamped, PoseStamped target, JointTrajectory,
 * finger position), one control period per timer tick. The behaviour (exact execution of each
 * command, stamps) is {@link SimNodeCore}'s; this file only wires it to rclnodejs.
 */
import { TabletopSim, type Observation } from '../../sim/tabletop.js';
import { TASK_NAMES, type TaskName } from '../../sim/tasks.js';
import type { Logger } from '../log.js';
import { DEFAULT_COMMAND_TIMEOUT_S, SimNodeCore } from '../node/sim-node.js';
import { type PoseStampedMsg, headerSeconds, poseFromMsg, secondsToTime } from './convert.js';
import type { RclModule, RclNode, RosHeader, RosTime } from './rcl-types.js';
import { SIM_NAMES, SIM_NODE } from './topics.js';

/** Parameters of the simulator node: name → [type, default, description]. */
const SIM_PARAMS = {
  task: ['string', 'pick-place', `Task scored: ${TASK_NAMES.join(' | ')}`],
  seed: ['integer', 0, 'Layout seed used by ~/reset (settable: set it, then call ~/reset)'],
  image_size: ['integer', 128, 'Camera resolution (square, 64-256)'],
  shadows: ['bool', false, "Draw shadows on the table (as the model's manifest `simulator.shadows` says)"],
  control_period_s: ['double', 0.25, 'Seconds simulated per step (one command per step)'],
  command_timeout_s: ['double', DEFAULT_COMMAND_TIMEOUT_S, 'A twist holds at most this long after its stamp (the arm stops when commands stop)'],
  frame_id: ['string', 'fr3_link0', 'Base frame of published poses'],
  joint_prefix: ['string', 'fr3_', 'Prefix of published joint names'],
} as const;

/** Parameters that may change while the node runs (the rest are read at start-up). */
const LIVE_SIM_PARAMS = ['seed'] as const;

/** A running simulator node. */
export interface SimShell {
  readonly node: RclNode;
  readonly sim: TabletopSim;
  /** Steps once (what the timer does). */
  step(): void;
  close(): void;
}

/** Starts the simulator node on an initialised rclnodejs. */
export async function startSimShell(rcl: RclModule, options: { log: Logger; nodeName?: string }): Promise<SimShell> {
  const node = rcl.createNode(options.nodeName ?? SIM_NODE);
  const T = rcl.ParameterType;
  const p: Record<string, unknown> = {};
  for (const [name, [type, value, description]] of Object.entries(SIM_PARAMS)) {
    const t = (
      type === 'string' ? T['PARAMETER_STRING'] : type === 'integer' ? T['PARAMETER_INTEGER'] : type === 'bool' ? T['PARAMETER_BOOL'] : T['PARAMETER_DOUBLE']
    ) as number;
    const readOnly = !(LIVE_SIM_PARAMS as readonly string[]).includes(name);
    const declared = node.declareParameter(
      new rcl.Parameter(name, t, type === 'integer' ? BigInt(value) : value),
      new rcl.ParameterDescriptor(name, t, description, readOnly),
    );
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
  const core = new SimNodeCore(sim, { periodS: period, commandTimeoutS: p['command_timeout_s'] as number }, p['seed'] as number, secondsNow());
  const stampOf = (h: RosHeader) => headerSeconds(h) ?? secondsNow();
  const opts = { enableTypedArray: true };
  node.createSubscription(
    'geometry_msgs/msg/TwistStamped',
    SIM_NAMES.twist,
    opts,
    (m: { header: RosHeader; twist: { linear: { x: number; y: number; z: number }; angular: { x: number; y: number; z: number } } }) => {
      const { linear: l, angular: a } = m.twist;
      core.onTwist([l.x, l.y, l.z], [a.x, a.y, a.z], stampOf(m.header));
    },
  );
  node.createSubscription('geometry_msgs/msg/PoseStamped', SIM_NAMES.poseTarget, opts, (m: PoseStampedMsg) => core.onPoseTarget(poseFromMsg(m)));
  node.createSubscription('trajectory_msgs/msg/JointTrajectory', SIM_NAMES.jointTrajectory, opts, (m: { points: { positions: ArrayLike<number> }[] }) => {
    const last = m.points.at(-1);
    if (last && last.positions.length >= 7) core.onJointTarget(Array.from(last.positions).slice(0, 7));
  });
  node.createSubscription('std_msgs/msg/Float64MultiArray', SIM_NAMES.gripper, opts, (m: { data: ArrayLike<number> }) => {
    const v = m.data[0];
    if (v !== undefined) core.onFinger(v);
  });
  node.addOnSetParametersCallback((parameters) => {
    for (const q of parameters) {
      if (q.name !== 'seed') continue;
      const seed = Number(q.value);
      if (!Number.isSafeInteger(seed) || seed < 0) return { successful: false, reason: `seed must be a non-negative integer, got ${String(q.value)}` };
      p['seed'] = seed;
    }
    return { successful: true, reason: '' };
  });

  const publish = (obs: Observation) => {
    const r = core.readings(prefix);
    const stamp: RosTime = secondsToTime(r.stampS);
    const header = { stamp, frame_id: frameId };
    pubs.image.publish({
      header: { stamp, frame_id: 'sim_camera' },
      height: r.image.height,
      width: r.image.width,
      encoding: r.image.encoding,
      is_bigendian: 0,
      step: r.image.step,
      data: r.image.data.slice(),
    });
    const [x, y, z] = r.pose.position;
    pubs.pose.publish({ header, pose: { position: { x, y, z }, orientation: { ...r.pose.orientation } } });
    pubs.joints.publish({ header, name: r.jointNames, position: r.jointPositions, velocity: [], effort: [] });
    const cube = sim.cubePose(0);
    pubs.cube.publish({
      header,
      pose: {
        position: { x: cube.position[0], y: cube.position[1], z: cube.position[2] },
        orientation: { w: cube.quaternion[0], x: cube.quaternion[1], y: cube.quaternion[2], z: cube.quaternion[3] },
      },
    });
    const target = sim.targetPosition();
    pubs.target.publish({ header, pose: { position: { x: target[0], y: target[1], z: target[2] }, orientation: { x: 0, y: 0, z: 0, w: 1 } } });
    pubs.task.publish({ data: JSON.stringify({ ...obs.task, step: obs.step, status: obs.status }) });
  };

  publish(core.observation);
  const step = () => publish(core.step(secondsNow()));
  node.createService('std_srvs/srv/Trigger', SIM_NAMES.reset, opts, () => {
    publish(core.reset(p['seed'] as number, secondsNow()));
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
