/**
 * Checks of the ROS packaging that run without ROS 2: package.xml files are well-formed XML with
 * the right names, launch files compile with Python, and the launch file's remappings name the
 * node's real topic names.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { NODE_NAME } from '../../src/ros/shell.js';
import { NAMES, SIM_NAMES } from '../../src/ros/topics.js';
import { APPEARANCE_PARAMETERS, SIM_PARAMETERS } from '../../src/node/sim-parameters.js';

const root = projectRoot();
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const PY = '/usr/bin/python3';

/** The launch files and launch tests that must at least parse. */
const LAUNCH_PYTHON = ['launch/planner.launch.py', 'launch/sim_mujoco.launch.py', 'launch/test/planner_node.test.py', 'launch/test/pick_place_action.test.py'];

describe('ROS packaging', () => {
  it.each([
    ['ros/package.xml', 'jepa_mpc'],
    ['msg/package.xml', 'jepa_mpc_interfaces'],
    ['sim/gazebo/package.xml', 'jepa_mpc_gazebo'],
  ])('%s is well-formed and names %s', (file, name) => {
    const text = readFileSync(join(root, file), 'utf8');
    expect(text).toContain(`<name>${name}</name>`);
    if (has('xmllint')) execFileSync('xmllint', ['--noout', join(root, file)]);
  });

  it.runIf(has(PY)).each(LAUNCH_PYTHON)('%s compiles', (file) => {
    const r = spawnSync(PY, ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', join(root, file)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('remaps only topic names the node really uses, under the node name the params file uses', () => {
    const launch = readFileSync(join(root, 'launch', 'planner.launch.py'), 'utf8');
    const remapped = [...launch.matchAll(/\('([a-z_/]+)', LaunchConfiguration/g)].map((m) => m[1]);
    const relative = Object.values(NAMES).filter((n) => !n.startsWith('~'));
    expect(remapped.length).toBeGreaterThan(5);
    for (const name of remapped) expect(relative).toContain(name);
    expect(launch).toContain(`name='${NODE_NAME}'`);
    expect(readFileSync(join(root, 'config', 'planner.yaml'), 'utf8')).toContain('/**:\n  ros__parameters:');
  });

  it.each([
    ['planner_node', 'run'],
    ['sim_node', 'sim-node'],
  ])('the executable wrapper %s runs the built CLI command %s with its arguments', (file, command) => {
    const wrapper = readFileSync(join(root, 'ros', file), 'utf8');
    expect(wrapper).toContain(`exec node "$share/dist/src/cli/main.js" ${command} "$@"`);
    expect(readFileSync(join(root, 'ros', 'CMakeLists.txt'), 'utf8')).toMatch(new RegExp(`install\\(PROGRAMS[^)]*${file}`));
  });

  it("the MuJoCo launch file passes every appearance parameter of the simulator's schema, typed, with the schema's default", () => {
    const launch = readFileSync(join(root, 'launch', 'sim_mujoco.launch.py'), 'utf8');
    const rows = [...launch.matchAll(/\('(\w+)', '([^']*)', (float|str|int), /g)];
    expect(rows.map((r) => r[1])).toEqual([...APPEARANCE_PARAMETERS]);
    for (const [, name, text, kind] of rows) {
      const spec = SIM_PARAMETERS[name as (typeof APPEARANCE_PARAMETERS)[number]];
      expect(kind, name).toBe({ double: 'float', string: 'str', integer: 'int' }[spec.type]);
      expect(spec.type === 'string' ? text : Number(text), name).toBe(spec.default);
    }
    expect(launch).toContain('ParameterValue(LaunchConfiguration(name), value_type=kind)');
  });

  it('the MuJoCo launch file wires the simulator topics to the planner inputs and outputs', () => {
    const launch = readFileSync(join(root, 'launch', 'sim_mujoco.launch.py'), 'utf8');
    for (const [simTopic, plannerTopic] of [
      [SIM_NAMES.image, NAMES.image],
      [SIM_NAMES.pose, NAMES.pose],
      [SIM_NAMES.jointStates, NAMES.jointStates],
      [SIM_NAMES.twist, NAMES.twist],
      [SIM_NAMES.gripper, NAMES.gripperPosition],
    ]) {
      const target = new RegExp(`\\('${simTopic}', '([^']+)'\\)`).exec(launch)?.[1];
      expect(target, simTopic).toBeDefined();
      expect(launch).toContain(`('${plannerTopic}', '${target}')`);
    }
  });
});
