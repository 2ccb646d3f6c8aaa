/**
 * `jepa-mpc capture-goals` as a command: the goals folder appears only complete (temporary folder,
 * then rename), an existing folder is kept unless --force, and a capture that fails writes nothing.
 * rclnodejs is replaced by the bus double with real timers.
 */
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePng } from '../../src/model/image.js';
import { writeGoalDir } from '../../src/cli/goal-dir.js';
import { fakeBus } from './fake-bus.js';

vi.mock('../../src/cli/ros-cli.js', () => ({
  initRclnodejs: async () => {
    const rcl = fakeBus();
    const create = rcl.createNode.bind(rcl);
    // Real timers, so the command's loop runs (and times out) on its own.
    rcl.createNode = (name: string) => {
      const node = create(name);
      node.createTimer = (periodNs: bigint, callback: () => void) => {
        const id = setInterval(callback, Number(periodNs / 1_000_000n));
        return { cancel: () => clearInterval(id) };
      };
      return node;
    };
    return rcl;
  },
}));

const image = (v: number) => ({ width: 2, height: 2, data: new Uint8Array(12).fill(v) });

describe('goals folder writing', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'capture-goals-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes every PNG and capture.json, and leaves no temporary folder', async () => {
    const dir = join(root, 'goals');
    await writeGoalDir(
      dir,
      [
        { file: 'grasped.png', image: image(1) },
        { file: 'near.png', image: image(2) },
      ],
      { scheme: 'paper' },
    );
    expect((await readdir(dir)).sort()).toEqual(['capture.json', 'grasped.png', 'near.png']);
    expect(decodePng(await readFile(join(dir, 'near.png'))).data[0]).toBe(2);
    expect(JSON.parse(await readFile(join(dir, 'capture.json'), 'utf8'))).toEqual({ scheme: 'paper', files: ['grasped.png', 'near.png'] });
    expect(await readdir(root)).toEqual(['goals']);
  });

  it('keeps a non-empty folder unless forced, then replaces it whole', async () => {
    const dir = join(root, 'goals');
    await mkdir(dir);
    await writeFile(join(dir, 'old.png'), 'x');
    await expect(writeGoalDir(dir, [{ file: 'placed.png', image: image(3) }], {})).rejects.toThrow(/already exists and is not empty \(pass --force/);
    expect(await readdir(dir)).toEqual(['old.png']);
    await writeGoalDir(dir, [{ file: 'placed.png', image: image(3) }], {}, true);
    expect((await readdir(dir)).sort()).toEqual(['capture.json', 'placed.png']);
    expect(await readdir(root)).toEqual(['goals']);
  });

  it('fills an existing empty folder', async () => {
    const dir = join(root, 'goals');
    await mkdir(dir);
    await writeGoalDir(dir, [{ file: 'placed.png', image: image(3) }], {});
    expect((await readdir(dir)).sort()).toEqual(['capture.json', 'placed.png']);
  });

  it('exits with an error and creates nothing when no simulation answers', async () => {
    const { main } = await import('../../src/cli/capture-goals.js');
    const dir = join(root, 'goals');
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(main(['--out', dir, '--timeout', '1'])).rejects.toThrow(
        /no messages after 1 s on: \/sim\/camera\/image_raw \(sensor_msgs\/Image\), \/sim\/joint_states/,
      );
    } finally {
      stderr.mockRestore();
    }
    expect(await readdir(root)).toEqual([]);
  });

  it('checks its flags before touching ROS', async () => {
    const { main } = await import('../../src/cli/capture-goals.js');
    await expect(main([])).rejects.toThrow(/--out DIR is required/);
    await expect(main(['--out', 'x', '--subgoals', 'all'])).rejects.toThrow(/--subgoals must be one of paper\|waypoints/);
    await expect(main(['--out', 'x', '--target-xyz=1,2'])).rejects.toThrow(/--target-xyz must be X,Y,Z/);
  });
});

describe('the Gazebo names capture-goals --gazebo uses', () => {
  it('match the bridge camera, the controllers file and the launch file', async () => {
    const { GAZEBO_SCENARIO } = await import('../../src/scenario/judge.js');
    const bridge = await readFile(new URL('../../sim/gazebo/bridge.yaml', import.meta.url), 'utf8');
    const controllers = await readFile(new URL('../../sim/gazebo/config/controllers.yaml', import.meta.url), 'utf8');
    const launch = await readFile(new URL('../../launch/sim_gazebo.launch.py', import.meta.url), 'utf8');
    expect(bridge).toMatch(new RegExp(`ros_topic_name: ${GAZEBO_SCENARIO.cameraTopic}\\n\\s+gz_topic_name: \\S+\\n\\s+ros_type_name: sensor_msgs/msg/Image`));
    expect(launch).toContain(`DeclareLaunchArgument('camera_topic', default_value='${GAZEBO_SCENARIO.cameraTopic}'`);
    for (const suffix of [GAZEBO_SCENARIO.armControllerSuffix, GAZEBO_SCENARIO.gripperControllerSuffix]) {
      expect(controllers).toMatch(new RegExp(`^fr3_${suffix}:$`, 'm'));
      expect(launch).toContain(`f'{robot_type}_${suffix}'`);
    }
  });
});

describe('scenario pick-place --subgoals', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'scenario-goals-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('takes one step budget per subgoal of the scheme and reads the scheme’s files', async () => {
    const { main } = await import('../../src/cli/scenario.js');
    await expect(main(['pick-place', '--subgoals', 'waypoints', '--subgoal-steps', '8,14,8'])).rejects.toThrow(
      /--subgoal-steps needs 6 values \(hover.png, atcube.png, grasped.png, near.png, lowered.png, placed.png\), got 3/,
    );
    await expect(main(['pick-place', '--subgoals', 'paper', '--gazebo'])).rejects.toThrow(
      /--gazebo needs --goals DIR with grasped.png, near.png, placed.png .*capture-goals --gazebo/,
    );
    // The shipped model's manifest names its scheme: the default is the six waypoints.
    await expect(main(['pick-place', '--gazebo'])).rejects.toThrow(
      /--gazebo needs --goals DIR with hover.png, atcube.png, grasped.png, near.png, lowered.png, placed.png/,
    );
    await writeGoalDir(
      join(root, 'g'),
      ['grasped.png', 'near.png', 'placed.png'].map((file) => ({ file, image: image(5) })),
      {},
    );
    await expect(main(['pick-place', '--subgoals', 'waypoints', '--goals', join(root, 'g')])).rejects.toThrow(/cannot read .*hover\.png as a goal image/);
  });
});
