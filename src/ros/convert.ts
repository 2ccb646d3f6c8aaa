/**
 * Conversions between ROS messages (as rclnodejs delivers and accepts them: plain objects,
 * Uint8Array or number[] image data, {sec, nanosec} stamps) and the planner node's plain types.
 * Pure functions; every malformed message gives an error naming the field.
 */
import { PlannerStatus } from '../core/status.js';
import type { RawImage } from '../model/image.js';
import type { ArmCommand, CameraFrame, GripperOutput, StatusReport } from '../node/ports.js';
import type { ToolPose } from '../robot/commands.js';
import type { RosHeader, RosTime } from './rcl-types.js';

/** sensor_msgs/Image as received. */
export interface ImageMsg {
  header: RosHeader;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  step: number;
  data: Uint8Array | number[];
}

/** sensor_msgs/CompressedImage as received. */
export interface CompressedImageMsg {
  header: RosHeader;
  format: string;
  data: Uint8Array | number[];
}

/** geometry_msgs/PoseStamped. */
export interface PoseStampedMsg {
  header: RosHeader;
  pose: { position: { x: number; y: number; z: number }; orientation: { x: number; y: number; z: number; w: number } };
}

/** sensor_msgs/JointState (the fields used). */
export interface JointStateMsg {
  header: RosHeader;
  name: string[];
  position: ArrayLike<number>;
}

/** Seconds of a ROS time. */
export function timeToSeconds(t: RosTime): number {
  return t.sec + t.nanosec * 1e-9;
}

/** A header's stamp in seconds, or undefined when it is unset (0): the receiver then uses the arrival time. */
export function headerSeconds(h: RosHeader): number | undefined {
  const s = timeToSeconds(h.stamp);
  return s > 0 && Number.isFinite(s) ? s : undefined;
}

/** ROS time of a number of seconds. */
export function secondsToTime(s: number): RosTime {
  const sec = Math.floor(s);
  const nanosec = Math.min(999_999_999, Math.round((s - sec) * 1e9));
  return { sec, nanosec };
}

function bytes(data: Uint8Array | number[]): Uint8Array {
  return data instanceof Uint8Array ? data : Uint8Array.from(data);
}

/** A received Image as the node's raw frame (data narrowed to Uint8Array). */
export function imageFromMsg(msg: ImageMsg): RawImage {
  return { width: msg.width, height: msg.height, encoding: msg.encoding, step: msg.step, data: bytes(msg.data) };
}

/** A received camera message as a node frame. */
export function frameFromMsg(msg: ImageMsg | CompressedImageMsg): CameraFrame {
  return 'format' in msg ? { kind: 'compressed', format: msg.format, data: bytes(msg.data) } : { kind: 'raw', image: imageFromMsg(msg) };
}

/** A PoseStamped as a tool pose (values are checked later by the node: NaN → INVALID_INPUT). */
export function poseFromMsg(msg: PoseStampedMsg): ToolPose {
  const { position: p, orientation: o } = msg.pose;
  return { position: [p.x, p.y, p.z], orientation: { x: o.x, y: o.y, z: o.z, w: o.w } };
}

/** The message for an arm command, with its type name. */
export function commandToMsg(command: ArmCommand, stamp: RosTime): { type: string; msg: object } {
  switch (command.kind) {
    case 'twist': {
      const [lx, ly, lz] = command.twist.linear;
      const [ax, ay, az] = command.twist.angular;
      return {
        type: 'geometry_msgs/msg/TwistStamped',
        msg: { header: { stamp, frame_id: command.frameId }, twist: { linear: { x: lx, y: ly, z: lz }, angular: { x: ax, y: ay, z: az } } },
      };
    }
    case 'pose': {
      const [x, y, z] = command.pose.position;
      return {
        type: 'geometry_msgs/msg/PoseStamped',
        msg: { header: { stamp, frame_id: command.frameId }, pose: { position: { x, y, z }, orientation: { ...command.pose.orientation } } },
      };
    }
    case 'joint':
      return {
        type: 'trajectory_msgs/msg/JointTrajectory',
        msg: {
          header: { stamp, frame_id: '' },
          joint_names: [...command.names],
          points: [
            { positions: [...command.positions], velocities: [], accelerations: [], effort: [], time_from_start: secondsToTime(command.timeFromStartS) },
          ],
        },
      };
  }
}

/** franka_msgs action goals (Move / Grasp) or a finger position command for a gripper output. */
export function gripperToMsg(g: GripperOutput): { kind: 'move' | 'grasp' | 'position'; msg: object } {
  switch (g.kind) {
    case 'move':
      return { kind: 'move', msg: { width: g.width, speed: g.speed } };
    case 'grasp':
      return { kind: 'grasp', msg: { width: g.width, epsilon: { inner: g.epsilonInner, outer: g.epsilonOuter }, speed: g.speed, force: g.force } };
    case 'position':
      return { kind: 'position', msg: { layout: { dim: [], data_offset: 0 }, data: [g.position, g.position] } };
  }
}

/** jepa_mpc_interfaces/msg/PlannerStatus. */
export function statusToMsg(s: StatusReport, stamp: RosTime): object {
  return {
    header: { stamp, frame_id: '' },
    code: s.code,
    code_name: s.codeName,
    message: s.message,
    energy: Number.isFinite(s.energy) ? s.energy : NaN,
    step: s.step,
    subgoal_index: s.subgoalIndex,
    subgoal_count: s.subgoalCount,
    plan_time_ms: s.planTimeMs,
    last_action: [...s.lastAction],
    provider: s.provider,
  };
}

/** visualization_msgs/Marker (LINE_STRIP) of a planned tool path. */
export function pathToMarker(points: readonly (readonly [number, number, number])[], frameId: string, stamp: RosTime): object {
  const LINE_STRIP = 4;
  const ADD = 0;
  return {
    header: { stamp, frame_id: frameId },
    ns: 'jepa_mpc_plan',
    id: 0,
    type: LINE_STRIP,
    action: ADD,
    pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    scale: { x: 0.005, y: 0, z: 0 },
    color: { r: 0.1, g: 0.5, b: 1, a: 1 },
    lifetime: { sec: 1, nanosec: 0 },
    frame_locked: false,
    points: points.map(([x, y, z]) => ({ x, y, z })),
  };
}

/** The PlannerStatus constants, in message-definition form (kept in step with src/core/status.ts by a test). */
export function statusConstants(): string {
  return Object.entries(PlannerStatus)
    .map(([name, code]) => `uint8 ${name}=${code}`)
    .join('\n');
}
