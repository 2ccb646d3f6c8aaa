/**
 * The built-in MuJoCo tabletop as a ROS 2 node (`jepa-mpc sim-node`), so ROS users can run the
 * whole stack without Gazebo: it publishes the camera (sensor_msgs/Image rgb8), the tool pose
 * (PoseStamped), joint states (arm + fingers), the cube and target poses and the task's progress,
 * and accepts what the planner node publishes (TwistStamped, PoseStamped target, JointTrajectory,
 * finger position) and serves franka_gripper's Move, Grasp and Homing actions when franka_msgs is
 * built, one control period per timer tick. The behaviour (exact execution of each
 * command, stamps) is {@link SimNodeCore}'s; this file only wires it to rclnodejs.
 */
import type { Logger } from '../log.js';
import type { RawImage } from '../model/image.js';
import { SimNodeCore, type SimObservation, type SimWorld } from '../node/sim-node.js';
import { checkParameter } from '../node/parameters.js';
import { SIM_PARAMETERS, simFromParameters } from '../node/sim-parameters.js';
import { describePerturbation, isPerturbed } from '../../sim/perturb.js';
import { declareParameters, normaliseValue } from './declare-parameters.js';
import { type PoseStampedMsg, headerSeconds, poseFromMsg, secondsToTime } from './convert.js';
import type { RclModule, RclNode, RosHeader, RosTime } from './rcl-types.js';
import { SIM_NAMES, SIM_NODE } from './topics.js';
import { serveSimGripper } from './sim-gripper-server.js';

/** A running simulator node. */
export interface SimShell {
  readonly node: RclNode;
  readonly sim: SimWorld;
  /** Steps once (what the timer does). */
  step(): void;
  close(): void;
}

/** Starts the simulator node on an initialised rclnodejs. */
export async function startSimShell(rcl: RclModule, options: { log: Logger; nodeName?: string }): Promise<SimShell> {
  const node = rcl.createNode(options.nodeName ?? SIM_NODE);
  const defaults = Object.fromEntries(Object.entries(SIM_PARAMETERS).map(([k, spec]) => [k, spec.default]));
  const { sim, params: p, perturbation, cameraFor } = await simFromParameters(declareParameters(rcl, node, SIM_PARAMETERS, defaults));
  const { control_period_s: period, image_size: size, frame_id: frameId, joint_prefix: prefix, task } = p;
  const secondsNow = () => Number(node.now().nanoseconds) / 1e9;

  const pubs = {
    image: node.createPublisher('sensor_msgs/msg/Image', SIM_NAMES.image, { qos: rcl.QoS.profileSensorData }),
    wristImage: p.wrist ? node.createPublisher('sensor_msgs/msg/Image', SIM_NAMES.wristImage, { qos: rcl.QoS.profileSensorData }) : undefined,
    pose: node.createPublisher('geometry_msgs/msg/PoseStamped', SIM_NAMES.pose, { qos: rcl.QoS.profileSensorData }),
    joints: node.createPublisher('sensor_msgs/msg/JointState', SIM_NAMES.jointStates),
    cube: node.createPublisher('geometry_msgs/msg/PoseStamped', SIM_NAMES.cubePose),
    target: node.createPublisher('geometry_msgs/msg/PoseStamped', SIM_NAMES.targetPose),
    task: node.createPublisher('std_msgs/msg/String', SIM_NAMES.task),
  };
  const core = new SimNodeCore(sim, { periodS: period, commandTimeoutS: p.command_timeout_s, ...(cameraFor ? { cameraFor } : {}) }, p.seed, secondsNow());
  if (isPerturbed(perturbation)) options.log.info({ appearance: describePerturbation(perturbation) }, 'simulator appearance changed from the trained one');
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
  const gripperServers = serveSimGripper(rcl, node, core, p.gripper_namespace, options.log);
  node.addOnSetParametersCallback((parameters) => {
    for (const q of parameters) {
      if (q.name !== 'seed') continue;
      const seed = normaliseValue(q.value);
      const problem = checkParameter('seed', SIM_PARAMETERS.seed, seed);
      if (problem) return { successful: false, reason: problem };
      p.seed = seed as number;
    }
    return { successful: true, reason: '' };
  });

  const publish = (obs: SimObservation) => {
    const r = core.readings(prefix);
    const stamp: RosTime = secondsToTime(r.stampS);
    const header = { stamp, frame_id: frameId };
    const imageMsg = (image: RawImage, frame: string) => ({
      header: { stamp, frame_id: frame },
      height: image.height,
      width: image.width,
      encoding: image.encoding,
      is_bigendian: 0,
      step: image.step,
      data: image.data.slice(),
    });
    pubs.image.publish(imageMsg(r.image, 'sim_camera'));
    if (pubs.wristImage && r.wristImage) pubs.wristImage.publish(imageMsg(r.wristImage, 'sim_wrist_camera'));
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
    publish(core.reset(p.seed, secondsNow()));
    return { success: true, message: `reset to seed ${String(p.seed)}` };
  });
  const timer = node.createTimer(BigInt(Math.round(period * 1e9)), step);
  options.log.info({ task, seed: p.seed, periodS: period, imageSize: size }, 'simulator node started');
  return {
    node,
    sim,
    step,
    close() {
      timer.cancel();
      core.gripper.abandon('simulator node shut down');
      for (const server of gripperServers) server.destroy();
      sim.close();
      node.destroy();
    },
  };
}
