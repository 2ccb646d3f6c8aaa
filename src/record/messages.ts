/**
 * A recording's messages as ROS 2 message objects (the field names of the .msg definitions):
 * the simulator node's readings as it publishes them, TF and scene markers from the same
 * snapshot, and the planner node's outputs through the node's own conversions (src/ros/convert.ts),
 * so a recorded status, command or path is the message the node would publish. Pure functions.
 */
import { SCENE_DEFAULTS } from '../../sim/scene.js';
import type { EpisodeVerdict, Point3, WorldSnapshot } from '../loop/recorder.js';
import type { RawImage, RgbImage } from '../model/image.js';
import type { ArmCommand, StatusReport } from '../node/ports.js';
import type { ToolPose } from '../robot/commands.js';
import { commandToMsg, pathToMarker, secondsToTime, statusToMsg } from '../ros/convert.js';
import type { RosTime } from '../ros/rcl-types.js';
import type { ChannelKey } from './channels.js';

/** Frames of a recording: the simulator node's base frame and camera frames, and the children TF names. */
export const FRAMES = {
  base: 'fr3_link0',
  camera: 'sim_camera',
  wristCamera: 'sim_wrist_camera',
  tool: 'fr3_hand_tcp',
  cube: 'cube',
  target: 'target',
} as const;

/** Marker ids in the scene array. */
const MARKER = { cube: 0, target: 1, path: 2 } as const;
/** visualization_msgs/Marker types and action used. */
const MARKER_TYPE = { CUBE: 1, CYLINDER: 3, LINE_STRIP: 4 } as const;
const MARKER_ADD = 0;
/** The target's disc on the table: diameter and thickness (m). */
const TARGET_DISC = { diameter: 0.06, thickness: 0.002 } as const;
/** Width of the planned path's line (m), as the node draws it. */
const PATH_WIDTH = 0.005;

const stamp = (s: number): RosTime => secondsToTime(Math.max(0, s));
const header = (s: number, frameId: string) => ({ stamp: stamp(s), frame_id: frameId });
const xyz = ([x, y, z]: Point3) => ({ x, y, z });

/** sensor_msgs/Image of an rgb8 frame. */
export function imageMsg(image: RawImage | RgbImage, frameId: string, stampS: number): object {
  const step = 'step' in image ? image.step : image.width * 3;
  const encoding = 'encoding' in image ? image.encoding : 'rgb8';
  return { header: header(stampS, frameId), height: image.height, width: image.width, encoding, is_bigendian: 0, step, data: image.data };
}

/** geometry_msgs/PoseStamped. */
export function poseMsg(pose: ToolPose, frameId: string, stampS: number): object {
  return { header: header(stampS, frameId), pose: { position: xyz(pose.position), orientation: { ...pose.orientation } } };
}

/** geometry_msgs/TransformStamped of a pose in the base frame. */
function transform(child: string, pose: ToolPose, stampS: number): object {
  return { header: header(stampS, FRAMES.base), child_frame_id: child, transform: { translation: xyz(pose.position), rotation: { ...pose.orientation } } };
}

/** tf2_msgs/TFMessage of one pose in the base frame (base → `child`). */
export function poseTfMsg(child: string, pose: ToolPose, stampS: number): object {
  return { transforms: [transform(child, pose, stampS)] };
}

/** tf2_msgs/TFMessage: base → tool, base → cube, base → target. */
export function tfMsg(w: WorldSnapshot): object {
  return {
    transforms: [
      transform(FRAMES.tool, w.tool, w.stampS),
      transform(FRAMES.cube, w.cube, w.stampS),
      transform(FRAMES.target, { position: w.target, orientation: { x: 0, y: 0, z: 0, w: 1 } }, w.stampS),
    ],
  };
}

/** A Marker (fields left out are written as their defaults: zeros, empty arrays and strings). */
function marker(id: number, stampS: number, fields: { type: number; pose: ToolPose; scale: Point3; color: readonly [number, number, number, number] }): object {
  const [r, g, b, a] = fields.color;
  return {
    header: header(stampS, FRAMES.base),
    ns: 'jepa_mpc_scene',
    id,
    type: fields.type,
    action: MARKER_ADD,
    pose: { position: xyz(fields.pose.position), orientation: { ...fields.pose.orientation } },
    scale: xyz(fields.scale),
    color: { r, g, b, a },
    lifetime: { sec: 0, nanosec: 0 },
    frame_locked: false,
  };
}

/** A planned path as a Marker of the scene array (LINE_STRIP in the base frame). */
function pathMarker(points: readonly Point3[], stampS: number): object {
  const identity = { position: [0, 0, 0] as const, orientation: { x: 0, y: 0, z: 0, w: 1 } };
  return {
    ...marker(MARKER.path, stampS, { type: MARKER_TYPE.LINE_STRIP, pose: identity, scale: [PATH_WIDTH, 0, 0], color: [0.1, 0.5, 1, 1] }),
    points: points.map(xyz),
  };
}

/** visualization_msgs/MarkerArray: the cube, the target disc and (when given) the latest planned path. */
export function sceneMarkersMsg(w: Pick<WorldSnapshot, 'stampS' | 'cube' | 'target'>, path: readonly Point3[] | undefined): object {
  const size = SCENE_DEFAULTS.cubeSize;
  const disc: ToolPose = { position: w.target, orientation: { x: 0, y: 0, z: 0, w: 1 } };
  return {
    markers: [
      marker(MARKER.cube, w.stampS, { type: MARKER_TYPE.CUBE, pose: w.cube, scale: [size, size, size], color: [0.85, 0.1, 0.1, 1] }),
      marker(MARKER.target, w.stampS, {
        type: MARKER_TYPE.CYLINDER,
        pose: disc,
        scale: [TARGET_DISC.diameter, TARGET_DISC.diameter, TARGET_DISC.thickness],
        color: [0.1, 0.7, 0.2, 0.8],
      }),
      ...(path && path.length > 1 ? [pathMarker(path, w.stampS)] : []),
    ],
  };
}

/** The simulator node's readings of a snapshot: channel and message each. */
export function worldMessages(w: WorldSnapshot): [ChannelKey, object][] {
  const out: [ChannelKey, object][] = [['image', imageMsg(w.image, FRAMES.camera, w.stampS)]];
  if (w.wristImage) out.push(['wristImage', imageMsg(w.wristImage, FRAMES.wristCamera, w.stampS)]);
  out.push(
    ['pose', poseMsg(w.tool, FRAMES.base, w.stampS)],
    ['jointStates', { header: header(w.stampS, FRAMES.base), name: [...w.jointNames], position: [...w.jointPositions], velocity: [], effort: [] }],
    ['cubePose', poseMsg(w.cube, FRAMES.base, w.stampS)],
    ['targetPose', poseMsg({ position: w.target, orientation: { x: 0, y: 0, z: 0, w: 1 } }, FRAMES.base, w.stampS)],
    ['task', { data: JSON.stringify({ ...w.task, step: w.simStep }) }],
    ['tf', tfMsg(w)],
  );
  return out;
}

/** Channel of each command type the node publishes. */
const COMMAND_CHANNELS: Readonly<Record<string, ChannelKey>> = {
  'geometry_msgs/msg/TwistStamped': 'twist',
  'geometry_msgs/msg/PoseStamped': 'poseTarget',
  'trajectory_msgs/msg/JointTrajectory': 'jointTrajectory',
};

/** An arm command as the node publishes it, with its channel. */
export function commandMessage(c: ArmCommand): [ChannelKey, object] {
  const { type, msg } = commandToMsg(c, stamp(c.stampS));
  return [COMMAND_CHANNELS[type] as ChannelKey, msg];
}

/** The planner's status as the node publishes it. */
export function statusMessage(report: StatusReport, stampS: number): object {
  return statusToMsg(report, stamp(stampS));
}

/** The planned path as the node publishes it (~/plan_path). */
export function planPathMessage(points: readonly Point3[], stampS: number): object {
  return pathToMarker(points, FRAMES.base, stamp(stampS));
}

/** An episode verdict's key-value form (MCAP metadata and the episode channel). */
export function verdictFields(index: number, v: EpisodeVerdict, startS: number, endS: number): Record<string, string> {
  const cm = (m: number) => (m * 100).toFixed(1);
  return {
    index: String(index),
    seed: String(v.seed),
    task: v.final.name,
    success: String(v.success),
    steps: String(v.steps),
    successStep: v.successStep === null ? '' : String(v.successStep),
    lifted: String(v.lifted),
    cubeToTargetCm: cm(v.final.cubeToTarget),
    tcpToTargetCm: cm(v.final.tcpToTarget),
    cubeLiftCm: cm(v.final.cubeLift),
    startS: startS.toFixed(3),
    endS: endS.toFixed(3),
  };
}
