/**
 * Checks of the Gazebo harness that run without ROS 2 or Gazebo (CI): the XML is well-formed, the
 * Python compiles, the bridge entries are complete and typed, and the pieces agree with each other
 * and with the project — the world's camera topic is what the bridge carries to the topic the
 * planner watches, the camera and layout are the built-in simulator's, the controllers take the
 * joints and message sizes the node publishes, and the scenario preset names what the world and
 * bridge publish. The files are read by tests/ros/gazebo_summary.py (PyYAML, ElementTree).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCENE_DEFAULTS, TABLE_TOP_Z } from '../../sim/scene.js';
import { DEFAULT_CAMERA } from '../../sim/tabletop.js';
import { sampleLayout } from '../../sim/tasks.js';
import { PARAMETERS } from '../../src/node/parameters.js';
import { projectRoot } from '../../src/paths.js';
import { FINGER_TRAVEL, PANDA_READY_Q } from '../../src/robot/panda-kinematics.js';
import { gripperToMsg } from '../../src/ros/convert.js';
import { GAZEBO_SCENARIO } from '../../src/scenario/judge.js';
import { NAMES } from '../../src/ros/topics.js';

const root = projectRoot();
const PY = '/usr/bin/python3';
/** CI (scripts/test-all.sh) installs xmllint and python3-yaml and sets this: their absence must fail there. */
const REQUIRED = process.env['JEPA_MPC_REQUIRE_PYTHON'] === '1';
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const pythonYaml = spawnSync(PY, ['-c', 'import yaml']).status === 0;
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** ros_gz_bridge's direction values. */
const DIRECTIONS = ['GZ_TO_ROS', 'ROS_TO_GZ', 'BIDIRECTIONAL'];
/** ROS type → gz type pairs ros_gz_bridge converts (the ones a tabletop harness uses). */
const TYPE_PAIRS: Record<string, string> = {
  'rosgraph_msgs/msg/Clock': 'gz.msgs.Clock',
  'sensor_msgs/msg/Image': 'gz.msgs.Image',
  'sensor_msgs/msg/CameraInfo': 'gz.msgs.CameraInfo',
  'sensor_msgs/msg/JointState': 'gz.msgs.Model',
  'tf2_msgs/msg/TFMessage': 'gz.msgs.Pose_V',
  'geometry_msgs/msg/PoseStamped': 'gz.msgs.Pose',
  'geometry_msgs/msg/Pose': 'gz.msgs.Pose',
};
const BRIDGE_KEYS = ['ros_topic_name', 'gz_topic_name', 'ros_type_name', 'gz_type_name', 'direction'];
const HARNESS_XML = ['sim/gazebo/worlds/tabletop.sdf', 'sim/gazebo/urdf/gz_ros2_control.urdf', 'ros/package.xml', 'sim/gazebo/package.xml'];

interface BridgeEntry {
  ros_topic_name: string;
  gz_topic_name: string;
  ros_type_name: string;
  gz_type_name: string;
  direction: string;
}
interface Sensor {
  type: string;
  topic: string;
  update_rate: number;
  camera_info_topic: string | null;
  horizontal_fov: number;
  width: number;
  height: number;
  format: string;
}
interface Model {
  static: boolean;
  pose: number[];
  box: number[] | null;
  mass: number | null;
  ixx: number | null;
  mu: number | null;
  pose_publisher: Record<string, string> | null;
  sensors: Sensor[];
}
interface Summary {
  world: { name: string; plugins: Record<string, Record<string, string>>; models: Record<string, Model> };
  bridge: BridgeEntry[];
  controllers: Record<string, { ros__parameters: Record<string, unknown> }>;
  ros2_control: { plugin: string; joints: Record<string, string[]>; initial: Record<string, number>; mimic: Record<string, string>; gz_plugin: string[] };
}

function summary(...args: string[]): unknown {
  const r = spawnSync(PY, [join(root, 'tests', 'ros', 'gazebo_summary.py'), root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.status !== 0) throw new Error(`gazebo_summary.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

/** The default_value of a DeclareLaunchArgument in a launch file's text. */
function launchDefault(text: string, name: string): string | undefined {
  return new RegExp(`DeclareLaunchArgument\\(\\s*'${name}',\\s*default_value='([^']*)'`).exec(text)?.[1];
}

const model = (s: Summary, name: string): Model => {
  const m = s.world.models[name];
  if (!m) throw new Error(`no model '${name}' in the world`);
  return m;
};

describe('Gazebo harness files are well-formed', () => {
  it.runIf(has('xmllint') || REQUIRED).each(HARNESS_XML)('xmllint accepts %s', (file) => {
    expect(() => execFileSync('xmllint', ['--noout', join(root, file)], { stdio: 'pipe' })).not.toThrow();
  });

  // libsdformat12, the parser Gazebo itself uses (one major version behind Harmonic's): the
  // closest check of the world these machines allow. CI installs it (scripts/install-test-deps.sh).
  const sdfParser = spawnSync('pkg-config', ['--exists', 'sdformat12']).status === 0 && has('g++');
  const sdfCheck = (file: string) => spawnSync('bash', [join(root, 'scripts', 'sdf-check', 'check.sh'), file], { encoding: 'utf8' });

  it.runIf(sdfParser || REQUIRED)('libsdformat12 loads the world without errors: six models, the camera sensor', () => {
    const r = sdfCheck(join(root, 'sim/gazebo/worlds/tabletop.sdf'));
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('world tabletop: 6 models');
    expect(r.stdout).toMatch(/model exo_camera: 1 links, 0 joints, 1 sensors/);
  });

  it.runIf(sdfParser || REQUIRED)('libsdformat12 rejects a world with a malformed element, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jepa-mpc-sdf-'));
    const broken = join(dir, 'broken.sdf');
    writeFileSync(broken, read('sim/gazebo/worlds/tabletop.sdf').replace(/<box><size>[^<]*<\/size>/, '<box><size>1 1</size>'));
    const r = sdfCheck(broken);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: .*Error reading element <size>/);
  });

  const pythonFiles = [
    ...readdirSync(join(root, 'launch'))
      .filter((f) => f.endsWith('.py'))
      .map((f) => `launch/${f}`),
    ...readdirSync(join(root, 'launch', 'test'))
      .filter((f) => f.endsWith('.py'))
      .map((f) => `launch/test/${f}`),
    'sim/gazebo/franka_gz_description.py',
    'tests/ros/gazebo_summary.py',
  ];
  it('finds the harness launch files', () => {
    expect(pythonFiles).toEqual(expect.arrayContaining(['launch/sim_gazebo.launch.py', 'launch/test/sim_gazebo.test.py']));
  });
  it.runIf(has(PY) || REQUIRED).each(pythonFiles)('python3 -m py_compile %s', (file) => {
    // Byte code goes to a temporary folder, not next to the sources.
    const r = spawnSync(PY, ['-m', 'py_compile', join(root, file)], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'pyc-')) },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.runIf(pythonYaml || REQUIRED)('Gazebo harness pieces agree', () => {
  let s: Summary;
  beforeAll(() => {
    s = summary() as Summary;
  });
  const gazeboLaunch = read('launch/sim_gazebo.launch.py');
  const plannerLaunch = read('launch/planner.launch.py');
  const prefix = PARAMETERS.joint_prefix.default;

  it('every bridge entry has the required keys, a known direction and a type pair ros_gz_bridge converts', () => {
    expect(s.bridge.length).toBeGreaterThanOrEqual(4);
    for (const entry of s.bridge) {
      expect(Object.keys(entry).sort(), JSON.stringify(entry)).toEqual(expect.arrayContaining(BRIDGE_KEYS));
      for (const key of BRIDGE_KEYS)
        expect(typeof entry[key as keyof BridgeEntry] === 'string' && entry[key as keyof BridgeEntry].length > 0, `${key} of ${entry.ros_topic_name}`).toBe(
          true,
        );
      expect(DIRECTIONS, entry.ros_topic_name).toContain(entry.direction);
      expect(TYPE_PAIRS[entry.ros_type_name], `${entry.ros_type_name} ↔ ${entry.gz_type_name}`).toBe(entry.gz_type_name);
    }
    const rosTopics = s.bridge.map((e) => e.ros_topic_name);
    expect(new Set(rosTopics).size).toBe(rosTopics.length);
    expect(s.bridge.map((e) => e.ros_type_name)).toEqual(
      expect.arrayContaining(['rosgraph_msgs/msg/Clock', 'sensor_msgs/msg/Image', 'sensor_msgs/msg/CameraInfo', 'tf2_msgs/msg/TFMessage']),
    );
  });

  it('the world loads the systems a camera and the bridge need', () => {
    expect(Object.keys(s.world.plugins)).toEqual(
      expect.arrayContaining([
        'gz::sim::systems::Physics',
        'gz::sim::systems::SceneBroadcaster',
        'gz::sim::systems::UserCommands',
        'gz::sim::systems::Sensors',
      ]),
    );
    expect(s.world.plugins['gz::sim::systems::Sensors']?.['render_engine']).toBe('ogre2');
  });

  it('every gz topic the bridge reads is one the world publishes, with the matching message', () => {
    const published = new Map<string, string>([['/clock', 'gz.msgs.Clock']]);
    for (const [name, m] of Object.entries(s.world.models)) {
      for (const sensor of m.sensors.filter((x) => x.type === 'camera')) {
        published.set(sensor.topic, 'gz.msgs.Image');
        if (sensor.camera_info_topic) published.set(sensor.camera_info_topic, 'gz.msgs.CameraInfo');
      }
      if (m.pose_publisher) published.set(`/model/${name}/pose`, m.pose_publisher['use_pose_vector_msg'] === 'true' ? 'gz.msgs.Pose_V' : 'gz.msgs.Pose');
    }
    for (const entry of s.bridge.filter((e) => e.direction !== 'ROS_TO_GZ')) {
      expect(published.get(entry.gz_topic_name), `${entry.gz_topic_name} is not published by the world as ${entry.gz_type_name}`).toBe(entry.gz_type_name);
    }
  });

  it("the world's camera topic reaches the planner's camera topic through the bridge", () => {
    const cameras = Object.values(s.world.models).flatMap((m) => m.sensors.filter((x) => x.type === 'camera'));
    expect(cameras).toHaveLength(1);
    const camera = cameras[0] as Sensor;
    const image = s.bridge.find((e) => e.ros_type_name === 'sensor_msgs/msg/Image');
    expect(image?.gz_topic_name).toBe(camera.topic);
    expect(s.bridge.find((e) => e.ros_type_name === 'sensor_msgs/msg/CameraInfo')?.gz_topic_name).toBe(camera.camera_info_topic);
    expect(image?.ros_topic_name).toBe(launchDefault(gazeboLaunch, 'camera_topic'));
    expect(image?.ros_topic_name).toBe(launchDefault(plannerLaunch, 'camera_topic'));
    expect(gazeboLaunch).toContain(`('${NAMES.image}', value('camera_topic'))`);
    expect(camera.format).toBe('R8G8B8');
  });

  it("the camera is the built-in simulator's: same eye, view direction and field of view, often enough for the node", () => {
    const m = Object.values(s.world.models).find((x) => x.sensors.some((y) => y.type === 'camera')) as Model;
    const camera = m.sensors[0] as Sensor;
    const [x, y, z, roll, pitch, yaw] = m.pose as [number, number, number, number, number, number];
    expect([x, y, z]).toEqual([...DEFAULT_CAMERA.eye]);
    expect(roll).toBe(0);
    // A gz camera looks along its +x: Rz(yaw)·Ry(pitch)·x̂.
    const forward = [Math.cos(yaw) * Math.cos(pitch), Math.sin(yaw) * Math.cos(pitch), -Math.sin(pitch)];
    const d = DEFAULT_CAMERA.target.map((t, i) => t - (DEFAULT_CAMERA.eye[i] as number));
    const norm = Math.hypot(...d);
    const cos = forward.reduce((a, f, i) => a + f * ((d[i] as number) / norm), 0);
    expect(Math.acos(Math.min(1, cos))).toBeLessThan(1e-4);
    // Square image: the horizontal fov equals the built-in camera's vertical one.
    expect(camera.width).toBe(camera.height);
    expect(camera.horizontal_fov).toBeCloseTo((DEFAULT_CAMERA.fovDeg * Math.PI) / 180, 5);
    expect(camera.update_rate * PARAMETERS.image_stale_s.default).toBeGreaterThanOrEqual(2);
    expect(camera.update_rate).toBeGreaterThanOrEqual(PARAMETERS.control_rate_hz.default);
  });

  it("the table, cubes and target are the built-in simulator's seed-0 pick-place layout with a distractor", () => {
    const layout = sampleLayout('pick-place', 0, 2);
    const size = SCENE_DEFAULTS.cubeSize;
    const table = model(s, 'table');
    expect((table.pose[2] as number) + (table.box?.[2] as number) / 2).toBeCloseTo(TABLE_TOP_Z, 9);
    for (const [name, cube] of [
      ['task_cube', layout.cubes[0]],
      ['distractor_cube', layout.cubes[1]],
    ] as const) {
      const m = model(s, name);
      const p = m.pose;
      expect(cube, 'layout').toBeDefined();
      expect(p[0], `${name} x`).toBeCloseTo(cube?.x as number, 3);
      expect(p[1], `${name} y`).toBeCloseTo(cube?.y as number, 3);
      expect(p[2], `${name} rests on the table`).toBeCloseTo(TABLE_TOP_Z + size / 2, 9);
      expect(p[5], `${name} yaw`).toBeCloseTo(cube?.yaw as number, 3);
      expect(m.box).toEqual([size, size, size]);
      expect(m.mass).toBe(SCENE_DEFAULTS.cubeMass);
      expect(m.ixx).toBeCloseTo((SCENE_DEFAULTS.cubeMass * 2 * size * size) / 12, 12);
      expect(m.mu).toBeGreaterThanOrEqual(1);
      expect(m.static).toBe(false);
    }
    const target = model(s, 'place_target');
    expect(target.pose[0]).toBeCloseTo(layout.target[0], 3);
    expect(target.pose[1]).toBeCloseTo(layout.target[1], 3);
  });

  it("the cube poses come out as each model's world pose (not its link's, which never moves)", () => {
    for (const name of ['task_cube', 'distractor_cube']) {
      expect(model(s, name).pose_publisher).toMatchObject({
        publish_link_pose: 'false',
        publish_model_pose: 'true',
        publish_nested_model_pose: 'true',
        use_pose_vector_msg: 'true',
      });
    }
  });

  it('the scenario preset names what the world and bridge publish', () => {
    const cube = s.bridge.find((e) => e.ros_topic_name === GAZEBO_SCENARIO.cubeTopic);
    expect(cube?.gz_topic_name).toBe(`/model/${GAZEBO_SCENARIO.cubeFrame}/pose`);
    expect(cube?.ros_type_name).toBe('tf2_msgs/msg/TFMessage');
    const target = model(s, 'place_target').pose;
    expect(GAZEBO_SCENARIO.target[0]).toBe(target[0]);
    expect(GAZEBO_SCENARIO.target[1]).toBe(target[1]);
    expect(GAZEBO_SCENARIO.target[2]).toBe(TABLE_TOP_Z);
    expect(gazeboLaunch).toContain(`('${NAMES.jointStates}', '${GAZEBO_SCENARIO.jointsTopic}')`);
  });

  it("the controllers take the joints and message sizes the node's joint and finger outputs publish", () => {
    const types = s.controllers['controller_manager']?.ros__parameters as Record<string, { type?: string }>;
    const arm = `${prefix}arm_controller`;
    const gripper = `${prefix}gripper_controller`;
    expect(types['joint_state_broadcaster']?.type).toBe('joint_state_broadcaster/JointStateBroadcaster');
    expect(types[arm]?.type).toBe('joint_trajectory_controller/JointTrajectoryController');
    expect(types[gripper]?.type).toBe('forward_command_controller/ForwardCommandController');

    const armParams = s.controllers[arm]?.ros__parameters as { joints: string[]; command_interfaces: string[] };
    expect(armParams.joints).toEqual(Array.from({ length: 7 }, (_, i) => `${prefix}joint${i + 1}`));
    expect(armParams.command_interfaces).toEqual(['position']);

    const gripperParams = s.controllers[gripper]?.ros__parameters as { joints: string[]; interface_name: string };
    const fingerCommand = gripperToMsg({ kind: 'position', position: 0.02 }).msg as { data: number[] };
    expect(gripperParams.joints).toHaveLength(fingerCommand.data.length);
    expect(gripperParams.joints).toEqual([`${prefix}finger_joint1`, `${prefix}finger_joint2`]);
    expect(gripperParams.interface_name).toBe('position');

    // The topics the controllers listen on are the planner launch defaults and the harness's remaps.
    expect(launchDefault(plannerLaunch, 'joint_trajectory_topic')).toBe(`/${arm}/joint_trajectory`);
    expect(launchDefault(plannerLaunch, 'gripper_command_topic')).toBe(`/${gripper}/commands`);
    expect(gazeboLaunch).toContain("arm_controller = f'{robot_type}_arm_controller'");
    expect(gazeboLaunch).toContain(`('${NAMES.jointTrajectory}', f'/{arm_controller}/joint_trajectory')`);
    expect(gazeboLaunch).toContain(`('${NAMES.gripperPosition}', f'/{gripper_controller}/commands')`);
    expect(gazeboLaunch).toContain(`('${NAMES.twist}', value('servo_twist_topic'))`);
    expect(launchDefault(gazeboLaunch, 'robot_type')).toBe(prefix.replace(/_$/, ''));
  });

  it('the ros2_control block gives every controlled joint a position command and starts at the ready posture', () => {
    const controlled = ['arm_controller', 'gripper_controller'].flatMap(
      (c) => (s.controllers[`${prefix}${c}`]?.ros__parameters as { joints: string[] }).joints,
    );
    for (const joint of controlled)
      expect(s.ros2_control.joints[joint] ?? [], `${joint} has no position command in the ros2_control block`).toContain('position');
    expect(s.ros2_control.plugin).toBe('gz_ros2_control/GazeboSimSystem');
    expect(s.ros2_control.gz_plugin).toEqual(['gz_ros2_control::GazeboSimROS2ControlPlugin']);
    // franka_description makes finger_joint2 a mimic joint; Jazzy refuses commands on it unless mimic="false".
    expect(s.ros2_control.mimic).toEqual({ [`${prefix}finger_joint2`]: 'false' });
    PANDA_READY_Q.forEach((q, i) => expect(s.ros2_control.initial[`${prefix}joint${i + 1}`]).toBeCloseTo(q, 5));
    expect(s.ros2_control.initial[`${prefix}finger_joint1`]).toBe(FINGER_TRAVEL);
  });

  it("the planner parameters the launch file sets are the schema's, with allowed values", () => {
    for (const [name, value] of [
      ['pose_source', 'joints'],
      ['gripper_mode', 'joint'],
    ] as const) {
      expect(gazeboLaunch).toContain(`'${name}': '${value}'`);
      expect(PARAMETERS[name].choices as readonly string[]).toContain(value);
    }
    expect(gazeboLaunch).toContain("'output_mode': 'twist' if use_servo else 'joint'");
    expect(gazeboLaunch).toContain("'joint_prefix': f'{robot_type}_'");
  });

  it('franka_gz_description anchors the robot to the world, drops foreign ros2_control blocks and adds the harness block', () => {
    const a = summary('assemble') as {
      links: string[];
      fixed_joints: Record<string, [string, string, string | null]>;
      hardware_plugins: string[];
      gazebo_plugins: string[];
      parameters: string[];
      gazebo_references: string[];
      wrong_prefix_error: string | null;
    };
    expect(a.links).toEqual(['world', 'r_link0', 'r_link1']);
    expect(a.fixed_joints).toEqual({ world_joint: ['world', 'r_link0', '0 0 0.1'] });
    expect(a.hardware_plugins).toEqual(['gz_ros2_control/GazeboSimSystem']);
    expect(a.gazebo_plugins).toEqual(['gz_ros2_control::GazeboSimROS2ControlPlugin']);
    expect(a.parameters).toEqual(['/c.yaml']);
    expect(a.gazebo_references).toEqual(['r_link1']);
    expect(a.wrong_prefix_error).toContain('fr3_joint1');
  });
});

describe('Gazebo harness packaging', () => {
  const gazeboLaunch = read('launch/sim_gazebo.launch.py');
  const cmake = read('ros/CMakeLists.txt');

  it('installs sim/gazebo where the launch file looks, and every file it reads there exists', () => {
    expect(cmake).toMatch(/install\(DIRECTORY "\$\{JEPA_MPC_ROOT\}\/sim\/gazebo\/" DESTINATION share\/\$\{PROJECT_NAME\}\/gazebo/);
    expect(gazeboLaunch).toContain("gazebo_dir = os.path.join(_share(), 'gazebo')");
    const paths = [...gazeboLaunch.matchAll(/os\.path\.join\(gazebo_dir, ((?:'[^']+'(?:, )?)+)\)/g)].map((m) =>
      (m[1] as string)
        .split(', ')
        .map((p) => p.slice(1, -1))
        .join('/'),
    );
    expect(paths).toEqual(
      expect.arrayContaining(['worlds/tabletop.sdf', 'bridge.yaml', 'config/controllers.yaml', 'urdf/gz_ros2_control.urdf', 'franka_gz_description.py']),
    );
    for (const p of paths) expect(existsSync(join(root, 'sim', 'gazebo', p)), p).toBe(true);
  });

  it("registers the launch test; the harness's package.xml declares what the launch file requires, the planner's none of it", () => {
    expect(cmake).toContain('add_launch_test("${JEPA_MPC_ROOT}/launch/test/sim_gazebo.test.py"');
    const required = /REQUIRED_PACKAGES = \{([^}]*)\}/.exec(gazeboLaunch)?.[1] ?? '';
    const names = [...required.matchAll(/'([a-z0-9_]+)': /g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(8);
    const packageXml = read('sim/gazebo/package.xml');
    for (const name of names) expect(packageXml, name).toContain(`<exec_depend>${name}</exec_depend>`);
    const plannerXml = read('ros/package.xml');
    for (const name of names) expect(plannerXml, name).not.toContain(`<exec_depend>${name}</exec_depend>`);
  });

  it('docs/gazebo.md documents every launch argument and the README links to it', () => {
    const names = [...gazeboLaunch.matchAll(/DeclareLaunchArgument\(\s*'([a-z_]+)'/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThanOrEqual(10);
    const docs = read('docs/gazebo.md');
    for (const name of names) {
      // A literal default must read the same in the table (computed paths are written out by hand).
      const literal = launchDefault(gazeboLaunch, name);
      expect(docs, name).toContain(literal === undefined ? `| \`${name}\` | \`` : `| \`${name}\` | \`${literal}\` |`);
    }
    expect(read('README.md')).toContain('(docs/gazebo.md)');
  });

  it('the launch test skips where Gazebo is missing instead of failing', () => {
    const test = read('launch/test/sim_gazebo.test.py');
    expect(test).toMatch(/@unittest\.skipIf\(MISSING,[^\n]*\n@pytest\.mark\.launch_test\ndef generate_test_description/);
  });
});
