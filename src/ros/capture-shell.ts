/**
 * The rclnodejs shell of `jepa-mpc capture-goals`: subscribes to the camera, the joint states, the
 * cube pose (PoseStamped, or the Gazebo bridge's TFMessage) and optionally a target PoseStamped;
 * drives the arm with the messages the planner node sends in its joint output mode (a one-point
 * JointTrajectory from the project's IK) and gripper_mode joint (Float64MultiArray finger
 * positions); runs the pure core (src/ros/goal-capture.ts) on a timer; and resolves with the
 * subgoal frames once all are captured — or rejects on a timeout or missing topics. It writes no
 * files (src/cli/capture-goals.ts does, all at once).
 */
import { rawToRgb, type RawImage, type RgbImage } from '../model/image.js';
import { tileViews } from '../model/views.js';
import { fingerPosition, jointTargetFromDelta } from '../robot/commands.js';
import { type ImageMsg, type JointStateMsg, type PoseStampedMsg, commandToMsg, gripperToMsg, imageFromMsg, timeToSeconds } from './convert.js';
import { GoalCapture, type SettleSettings, type SubgoalEvent, type SubgoalScheme } from '../scenario/goal-capture.js';
import type { RclModule, RclNode, RosHeader } from './rcl-types.js';
import { ARM_JOINT_SUFFIXES, armJointIndices } from '../robot/panda-kinematics.js';
import { fingerOpeningFromJointState, positionFromTransforms, type TFMessageMsg } from '../scenario/judge.js';

/** Topics of the capture (absolute names or relative to the node). */
export interface CaptureTopics {
  readonly image: string;
  /** The hand camera, for a two-view model's goals (saved beside the front view); none: the front camera only. */
  readonly wristImage?: string;
  readonly joints: string;
  readonly cube: string;
  /** Target PoseStamped, used when no fixed target is given. */
  readonly target: string;
  readonly trajectory: string;
  readonly gripper: string;
}

/** Options of {@link startGoalCapture}. */
export interface CaptureOptions {
  readonly topics: CaptureTopics;
  readonly scheme: SubgoalScheme;
  /** When set, topics.cube carries tf2_msgs/TFMessage and the cube is the transform with this child frame. */
  readonly cubeFrame?: string;
  /** Fixed target point [3] (m, base frame) instead of topics.target. */
  readonly target?: readonly number[];
  /** Cube-centre height when resting on the table (m). */
  readonly restZ: number;
  /** Prefix of the arm joint names in the trajectory (fr3_ or panda_). */
  readonly jointPrefix: string;
  /** Whole-capture limit (s, wall clock). */
  readonly timeoutS: number;
  /** Limit for the first message on every topic (s, wall clock). */
  readonly startupTimeoutS: number;
  /** Control tick (s). */
  readonly periodS: number;
  /** time_from_start of each trajectory point (s). */
  readonly moveTimeS: number;
  readonly settle?: Partial<SettleSettings>;
  /** Wall clock (s); tests inject one. */
  readonly clock?: () => number;
  /** Progress lines (phase changes, captures). */
  readonly onProgress?: (line: string) => void;
}

/** One captured subgoal frame. */
export interface CapturedFrame {
  readonly name: SubgoalEvent;
  readonly file: string;
  readonly image: RgbImage;
  /** Tool-centre position (m) of the scene it shows. */
  readonly tcp: number[];
}

/** A running capture. */
export interface GoalCaptureRun {
  readonly node: RclNode;
  /** Resolves with the frames in scheme order; rejects with what went wrong. */
  readonly done: Promise<CapturedFrame[]>;
  /** One control tick (what the timer does). */
  tick(): void;
  close(): void;
}

/** Where the latest camera frame and the first message of each topic stand. */
interface Inputs {
  image?: RawImage;
  wristImage?: RawImage;
  seen: Set<keyof CaptureTopics>;
}

/** Trajectories start when received (a zero stamp), whatever clock the controller runs on. */
const ZERO_STAMP = { sec: 0, nanosec: 0 } as const;
/** IK error of a step target worth reporting (m). */
const IK_WARN_ERROR = 0.005;

/** Seconds of a header stamp, or the fallback when the publisher leaves it at zero. */
function stampOf(header: RosHeader | undefined, fallback: number): number {
  const s = header ? timeToSeconds(header.stamp) : 0;
  return s > 0 ? s : fallback;
}

/** Largest |v| of the entries at `indices`, or undefined when any is missing or not finite. */
function speedAt(values: ArrayLike<number> | undefined, indices: readonly number[]): number | undefined {
  if (!values || values.length === 0 || indices.length === 0) return undefined;
  let m = 0;
  for (const i of indices) {
    const v = i >= 0 ? values[i] : undefined;
    if (v === undefined || !Number.isFinite(v)) return undefined;
    m = Math.max(m, Math.abs(v));
  }
  return m;
}

/** Starts the capture on an initialised rclnodejs. */
export function startGoalCapture(rcl: RclModule, o: CaptureOptions): GoalCaptureRun {
  const node = rcl.createNode('jepa_mpc_capture_goals');
  const clock = o.clock ?? (() => Date.now() / 1000);
  const progress = o.onProgress ?? (() => undefined);
  const core = new GoalCapture({ scheme: o.scheme, restZ: o.restZ, ...(o.target ? { target: o.target } : {}), ...(o.settle ? { settle: o.settle } : {}) });
  const inputs: Inputs = { seen: new Set() };
  const sensor = { qos: rcl.QoS.profileSensorData, enableTypedArray: true };

  node.createSubscription('sensor_msgs/msg/Image', o.topics.image, sensor, (m: ImageMsg) => {
    inputs.image = imageFromMsg(m);
    inputs.seen.add('image');
    core.onFrame(stampOf(m.header, clock()));
  });
  if (o.topics.wristImage)
    node.createSubscription('sensor_msgs/msg/Image', o.topics.wristImage, sensor, (m: ImageMsg) => {
      inputs.wristImage = imageFromMsg(m);
      inputs.seen.add('wristImage');
    });
  node.createSubscription('sensor_msgs/msg/JointState', o.topics.joints, sensor, (m: JointStateMsg & { velocity?: ArrayLike<number> }) => {
    const arm = armJointIndices(m.name);
    const q = arm.map((i) => (i >= 0 ? (m.position[i] as number) : NaN));
    const fingerOpening = fingerOpeningFromJointState(m.name, m.position);
    if (!q.every(Number.isFinite) || fingerOpening === undefined) return; // another robot's, or partial
    inputs.seen.add('joints');
    const fingers = m.name.flatMap((n, i) => (n.includes('finger') ? [i] : []));
    const armSpeed = speedAt(m.velocity, arm);
    const fingerSpeed = speedAt(m.velocity, fingers);
    core.onJointState({
      stampS: stampOf(m.header, clock()),
      q,
      fingerOpening,
      ...(armSpeed !== undefined ? { armSpeed } : {}),
      ...(fingerSpeed !== undefined ? { fingerSpeed } : {}),
    });
  });
  const cubeFrame = o.cubeFrame;
  if (cubeFrame) {
    node.createSubscription('tf2_msgs/msg/TFMessage', o.topics.cube, sensor, (m: TFMessageMsg) => {
      const p = positionFromTransforms(m, cubeFrame);
      if (p) {
        inputs.seen.add('cube');
        core.onCube(p);
      }
    });
  } else {
    node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.cube, sensor, (m: PoseStampedMsg) => {
      inputs.seen.add('cube');
      core.onCube([m.pose.position.x, m.pose.position.y, m.pose.position.z]);
    });
  }
  if (!o.target) {
    node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.target, sensor, (m: PoseStampedMsg) => {
      inputs.seen.add('target');
      core.onTarget([m.pose.position.x, m.pose.position.y, m.pose.position.z]);
    });
  }
  const trajectoryPub = node.createPublisher('trajectory_msgs/msg/JointTrajectory', o.topics.trajectory);
  const gripperPub = node.createPublisher('std_msgs/msg/Float64MultiArray', o.topics.gripper);

  const names = ARM_JOINT_SUFFIXES.map((s) => `${o.jointPrefix}${s}`);
  const frames: CapturedFrame[] = [];
  const t0 = clock();
  let lastPhase = '';
  let finished = false;
  let resolve!: (f: CapturedFrame[]) => void;
  let reject!: (e: Error) => void;
  const done = new Promise<CapturedFrame[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => undefined); // a run closed early without a reader is not an unhandled rejection
  const required: (keyof CaptureTopics)[] = [
    'image',
    ...(o.topics.wristImage ? ['wristImage' as const] : []),
    'joints',
    'cube',
    ...(o.target ? [] : ['target' as const]),
  ];
  const types: Record<keyof CaptureTopics, string> = {
    image: 'sensor_msgs/Image',
    wristImage: 'sensor_msgs/Image',
    joints: 'sensor_msgs/JointState with the 7 arm joints and a finger',
    cube: cubeFrame ? `tf2_msgs/TFMessage with child frame '${cubeFrame}'` : 'geometry_msgs/PoseStamped',
    target: 'geometry_msgs/PoseStamped',
    trajectory: '',
    gripper: '',
  };
  const finish = (error?: Error) => {
    if (finished) return;
    finished = true;
    timer.cancel();
    if (error) reject(error);
    else resolve(frames);
  };

  const tick = () => {
    if (finished) return;
    try {
      const elapsed = clock() - t0;
      const missing = required.filter((k) => !inputs.seen.has(k));
      if (missing.length) {
        if (elapsed > Math.min(o.startupTimeoutS, o.timeoutS)) {
          const list = missing.map((k) => `${o.topics[k]} (${types[k]})`).join(', ');
          throw new Error(`no messages after ${o.startupTimeoutS} s on: ${list}. Is the simulation running, and are the topics right?`);
        }
        return;
      }
      if (elapsed > o.timeoutS) {
        const have = core.capturedNames();
        throw new Error(
          `timed out after ${o.timeoutS} s in phase '${core.phase}' (captured: ${have.join(', ') || 'none'}; missing: ${core.missingNames().join(', ')}); nothing was written. Did the arm follow the commands on ${o.topics.trajectory}? A running planner node also commands it (the built-in simulator obeys its twists first)`,
        );
      }
      if (core.phase !== lastPhase) {
        lastPhase = core.phase;
        progress(`phase ${lastPhase}`);
      }
      const step = core.next();
      switch (step.kind) {
        case 'wait':
          return;
        case 'capture': {
          // a two-view goal: the front and hand cameras side by side, the hand's fitted to the front's size
          const front = rawToRgb(inputs.image as RawImage);
          const image = inputs.wristImage ? tileViews([front, rawToRgb(inputs.wristImage)], 2, front.width, front.height) : front;
          frames.push({ name: step.name, file: step.file, image, tcp: step.tcp });
          progress(
            `captured ${step.file} (${frames.length}/${frames.length + core.missingNames().length}), tool at (${step.tcp.map((v) => v.toFixed(3)).join(', ')})`,
          );
          return;
        }
        case 'command': {
          if (step.armMoves) {
            const target = jointTargetFromDelta(step.q, step.delta);
            if (target.positionError > IK_WARN_ERROR)
              progress(`IK: the step target is ${(target.positionError * 100).toFixed(1)} cm out of reach (joint limits?)`);
            trajectoryPub.publish(commandToMsg({ kind: 'joint', names, positions: target.positions, timeFromStartS: o.moveTimeS, stampS: 0 }, ZERO_STAMP).msg);
          }
          if (step.gripperChanges) gripperPub.publish(gripperToMsg({ kind: 'position', position: fingerPosition(step.closedness) }).msg);
          return;
        }
        case 'failed':
          throw new Error(step.reason);
        case 'done':
          finish();
          return;
      }
    } catch (error) {
      finish(error as Error);
    }
  };
  const timer = node.createTimer(BigInt(Math.round(o.periodS * 1e9)), tick);
  rcl.spin(node);
  return {
    node,
    done,
    tick,
    close() {
      finish(new Error('capture closed before it finished'));
      node.destroy();
    },
  };
}
