/**
 * The ROS 2 message definitions a recording embeds, as `.msg` text, and the concatenated schema
 * text rosbag2 writes for a channel (encoding `ros2msg`): the type's own definition, then one
 * `MSG: pkg/Type` block per dependency, so Foxglove decodes a file without the packages. The
 * standard types are those of ROS 2 Jazzy (common_interfaces 5.3, geometry2), comments left out;
 * PlannerStatus is read from the project's interfaces package (msg/msg/PlannerStatus.msg).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

/** The line rosbag2 puts between a schema's definitions. */
export const DEFINITION_SEPARATOR = '='.repeat(80);

/** The planner's status type (the project's interfaces package). */
export const PLANNER_STATUS_TYPE = 'jepa_mpc_interfaces/msg/PlannerStatus';

const TIME = 'int32 sec\nuint32 nanosec\n';
const XYZ = 'float64 x\nfloat64 y\nfloat64 z\n';

/** Definitions by `pkg/Type` (dependencies are named `pkg/Type` in field lines). */
const STANDARD: Readonly<Record<string, string>> = {
  'builtin_interfaces/Time': TIME,
  'builtin_interfaces/Duration': TIME,
  'std_msgs/Header': 'builtin_interfaces/Time stamp\nstring frame_id\n',
  'std_msgs/String': 'string data\n',
  'std_msgs/Float64': 'float64 data\n',
  'std_msgs/ColorRGBA': 'float32 r\nfloat32 g\nfloat32 b\nfloat32 a\n',
  'geometry_msgs/Point': XYZ,
  'geometry_msgs/Vector3': XYZ,
  'geometry_msgs/Quaternion': 'float64 x 0\nfloat64 y 0\nfloat64 z 0\nfloat64 w 1\n',
  'geometry_msgs/Pose': 'geometry_msgs/Point position\ngeometry_msgs/Quaternion orientation\n',
  'geometry_msgs/PoseStamped': 'std_msgs/Header header\ngeometry_msgs/Pose pose\n',
  'geometry_msgs/Twist': 'geometry_msgs/Vector3 linear\ngeometry_msgs/Vector3 angular\n',
  'geometry_msgs/TwistStamped': 'std_msgs/Header header\ngeometry_msgs/Twist twist\n',
  'geometry_msgs/Transform': 'geometry_msgs/Vector3 translation\ngeometry_msgs/Quaternion rotation\n',
  'geometry_msgs/TransformStamped': 'std_msgs/Header header\nstring child_frame_id\ngeometry_msgs/Transform transform\n',
  'tf2_msgs/TFMessage': 'geometry_msgs/TransformStamped[] transforms\n',
  'sensor_msgs/Image': 'std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n',
  'sensor_msgs/CompressedImage': 'std_msgs/Header header\nstring format\nuint8[] data\n',
  'sensor_msgs/JointState': 'std_msgs/Header header\nstring[] name\nfloat64[] position\nfloat64[] velocity\nfloat64[] effort\n',
  'trajectory_msgs/JointTrajectory': 'std_msgs/Header header\nstring[] joint_names\ntrajectory_msgs/JointTrajectoryPoint[] points\n',
  'trajectory_msgs/JointTrajectoryPoint':
    'float64[] positions\nfloat64[] velocities\nfloat64[] accelerations\nfloat64[] effort\nbuiltin_interfaces/Duration time_from_start\n',
  'visualization_msgs/UVCoordinate': 'float32 u\nfloat32 v\n',
  'visualization_msgs/MeshFile': 'string filename\nuint8[] data\n',
  'visualization_msgs/MarkerArray': 'visualization_msgs/Marker[] markers\n',
  'visualization_msgs/Marker': [
    'int32 ARROW=0',
    'int32 CUBE=1',
    'int32 SPHERE=2',
    'int32 CYLINDER=3',
    'int32 LINE_STRIP=4',
    'int32 LINE_LIST=5',
    'int32 CUBE_LIST=6',
    'int32 SPHERE_LIST=7',
    'int32 POINTS=8',
    'int32 TEXT_VIEW_FACING=9',
    'int32 MESH_RESOURCE=10',
    'int32 TRIANGLE_LIST=11',
    'int32 ARROW_STRIP=12',
    'int32 ADD=0',
    'int32 MODIFY=0',
    'int32 DELETE=2',
    'int32 DELETEALL=3',
    'std_msgs/Header header',
    'string ns',
    'int32 id',
    'int32 type',
    'int32 action',
    'geometry_msgs/Pose pose',
    'geometry_msgs/Vector3 scale',
    'std_msgs/ColorRGBA color',
    'builtin_interfaces/Duration lifetime',
    'bool frame_locked',
    'geometry_msgs/Point[] points',
    'std_msgs/ColorRGBA[] colors',
    'string texture_resource',
    'sensor_msgs/CompressedImage texture',
    'visualization_msgs/UVCoordinate[] uv_coordinates',
    'string text',
    'string mesh_resource',
    'visualization_msgs/MeshFile mesh_file',
    'bool mesh_use_embedded_materials',
    '',
  ].join('\n'),
};

let plannerStatus: string | undefined;

/** A type's own definition (`pkg/msg/Type` or `pkg/Type`). @throws RangeError for a type the recordings do not use. */
export function definitionOf(type: string): string {
  const name = shortName(type);
  if (name === shortName(PLANNER_STATUS_TYPE)) {
    plannerStatus ??= readFileSync(join(projectRoot(), 'msg', 'msg', 'PlannerStatus.msg'), 'utf8');
    return plannerStatus;
  }
  const text = STANDARD[name];
  if (text === undefined) throw new RangeError(`no message definition for '${type}'`);
  return text;
}

/** `pkg/msg/Type` → `pkg/Type`. */
function shortName(type: string): string {
  return type.replace('/msg/', '/');
}

/** The `pkg/Type` names a definition's fields use (comments and constants skipped), in order. */
function dependenciesOf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(\w+\/\w+)(\[\d*\])?\s+\w+(\s|$)/.exec(line);
    if (m && !line.includes('=')) out.push(m[1] as string);
  }
  return out;
}

/**
 * The schema text of a channel of `type` as rosbag2 writes it: the definition, then every
 * dependency (transitively, each once) after a separator line and `MSG: pkg/Type`.
 */
export function schemaText(type: string): string {
  const root = shortName(type);
  const seen = new Set<string>([root]);
  const order: string[] = [];
  const visit = (name: string) => {
    for (const dep of dependenciesOf(definitionOf(name))) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      order.push(dep);
      visit(dep);
    }
  };
  visit(root);
  return [definitionOf(root).trimEnd(), ...order.map((dep) => `${DEFINITION_SEPARATOR}\nMSG: ${dep}\n${definitionOf(dep).trimEnd()}`)].join('\n') + '\n';
}
