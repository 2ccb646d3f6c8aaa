/**
 * The capture-goals shell over rclnodejs-shaped doubles: against the real built-in simulator node
 * (messages routed between the two nodes as DDS would), against a Gazebo-like graph (TFMessage
 * cube, fixed target, controller topics) played by a kinematic arm, and its failure paths.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startGoalCapture, type CaptureOptions, type CaptureTopics } from '../../src/ros/capture-shell.js';
import { startSimShell, type SimShell } from '../../src/ros/sim-shell.js';
import { SIM_NAMES } from '../../src/ros/topics.js';
import { GAZEBO_SCENARIO } from '../../src/scenario/judge.js';
import type { FakeNode } from './fake-rclnodejs.js';
import { fakeBus } from './fake-bus.js';
import { CUBE_HALF, KinematicRobot } from './kinematic-robot.js';

const log = createLogger('test');
const REST = 0.0225;
const DT = 0.05;

const SIM_TOPICS: CaptureTopics = {
  image: SIM_NAMES.image,
  joints: SIM_NAMES.jointStates,
  cube: SIM_NAMES.cubePose,
  target: SIM_NAMES.targetPose,
  trajectory: SIM_NAMES.jointTrajectory,
  gripper: SIM_NAMES.gripper,
};

function baseOptions(clock: () => number, topics: CaptureTopics): CaptureOptions {
  return { topics, scheme: 'paper', restZ: REST, jointPrefix: 'fr3_', timeoutS: 120, startupTimeoutS: 5, periodS: 0.1, moveTimeS: 0.5, clock };
}

describe('capture-goals against the built-in simulator node (ROS doubles)', () => {
  let sim: SimShell | undefined;
  afterEach(() => sim?.close());

  it('drives a pick-and-place with JointTrajectory and finger commands and keeps frames of the right moments', async () => {
    const rcl = fakeBus({ image_size: 64n, seed: 2n });
    let t = 100;
    rcl.setTime(t);
    sim = await startSimShell(rcl, { log });
    const s = sim;
    const atCapture: Record<string, ReturnType<typeof s.sim.taskInfo> & { finger: number }> = {};
    const run = startGoalCapture(rcl, {
      ...baseOptions(() => t, SIM_TOPICS),
      onProgress: (line) => {
        const m = /^captured (\w+)\.png/.exec(line);
        if (m) atCapture[m[1] as string] = { ...s.sim.taskInfo(), finger: 1 - s.sim.fingerClosedness() };
      },
    });
    const node = run.node as FakeNode;
    expect(node.subscriptions.get(SIM_NAMES.image)?.type).toBe('sensor_msgs/msg/Image');
    expect(node.subscriptions.get(SIM_NAMES.jointStates)?.type).toBe('sensor_msgs/msg/JointState');
    expect(node.subscriptions.get(SIM_NAMES.cubePose)?.type).toBe('geometry_msgs/msg/PoseStamped');
    expect(node.subscriptions.get(SIM_NAMES.targetPose)?.type).toBe('geometry_msgs/msg/PoseStamped');
    let finished = false;
    const result = run.done.finally(() => (finished = true));
    for (let i = 0; !finished && i < 4000; i++) {
      t += DT;
      rcl.setTime(t);
      if (i % 5 === 0) s.step(); // the simulator node's 0.25 s timer
      if (i % 2 === 0) run.tick(); // the capture's 0.1 s timer
      await Promise.resolve();
    }
    const frames = await result;
    expect(frames.map((f) => f.file)).toEqual(['grasped.png', 'near.png', 'placed.png']);
    for (const f of frames) expect([f.image.width, f.image.height, f.image.data.length]).toEqual([64, 64, 64 * 64 * 3]);
    // The simulator's own verdicts at each capture.
    expect(atCapture['grasped']?.held).toBe(true);
    expect(Math.abs(atCapture['grasped']?.cubeLift ?? 1)).toBeLessThan(0.01);
    expect(atCapture['near']?.held).toBe(true);
    expect(atCapture['near']?.cubeLift).toBeGreaterThan(0.05);
    expect(atCapture['near']?.cubeToTarget).toBeLessThan(0.02);
    expect(atCapture['placed']?.success).toBe(true);
    // The frames differ from each other (the scene changed between them).
    expect(Buffer.from(frames[0]!.image.data).equals(Buffer.from(frames[2]!.image.data))).toBe(false);
    // Commands as the planner node sends them in joint output / gripper_mode joint.
    const trajectory = node.messages(SIM_NAMES.jointTrajectory);
    expect(node.published.get(SIM_NAMES.jointTrajectory)?.type).toBe('trajectory_msgs/msg/JointTrajectory');
    expect(node.published.get(SIM_NAMES.gripper)?.type).toBe('std_msgs/msg/Float64MultiArray');
    expect(trajectory.length).toBeGreaterThan(5);
    expect(trajectory[0]).toMatchObject({ header: { stamp: { sec: 0, nanosec: 0 } }, joint_names: [1, 2, 3, 4, 5, 6, 7].map((k) => `fr3_joint${k}`) });
    expect((trajectory[0] as { points: unknown[] }).points).toHaveLength(1);
    expect((trajectory[0] as { points: { time_from_start: unknown }[] }).points[0]?.time_from_start).toEqual({ sec: 0, nanosec: 500_000_000 });
    const fingers = node.messages(SIM_NAMES.gripper).map((m) => (m as { data: number[] }).data);
    expect(fingers).toContainEqual([0, 0]);
    expect(fingers.at(-1)).toEqual([0.04, 0.04]);
    expect(node.timers[0]?.cancelled).toBe(true);
    run.close();
    expect(node.destroyed).toBe(true);
  }, 60_000);
});

describe('capture-goals against a Gazebo-like graph (kinematic arm)', () => {
  it('reads the TFMessage cube, uses the fixed target and commands the fr3 controllers', async () => {
    const rcl = fakeBus();
    let t = 50;
    const topics: CaptureTopics = {
      image: GAZEBO_SCENARIO.cameraTopic,
      joints: GAZEBO_SCENARIO.jointsTopic,
      cube: GAZEBO_SCENARIO.cubeTopic,
      target: '/unused/target',
      trajectory: '/fr3_arm_controller/joint_trajectory',
      gripper: '/fr3_gripper_controller/commands',
    };
    const gz = rcl.createNode('gazebo') as FakeNode;
    const robot = new KinematicRobot([0.45, 0.12, REST], REST);
    gz.createSubscription(
      'trajectory_msgs/msg/JointTrajectory',
      topics.trajectory,
      {},
      (m: { joint_names: string[]; points: { positions: number[]; time_from_start: { sec: number; nanosec: number } }[] }) => {
        expect(m.joint_names[0]).toBe('fr3_joint1');
        const p = m.points[0]!;
        robot.commandJoints(p.positions, p.time_from_start.sec + p.time_from_start.nanosec * 1e-9);
      },
    );
    gz.createSubscription('std_msgs/msg/Float64MultiArray', topics.gripper, {}, (m: { data: number[] }) => {
      expect(m.data).toHaveLength(2);
      robot.commandFingers(m.data[0] as number);
    });
    const image = gz.createPublisher('sensor_msgs/msg/Image', topics.image);
    const joints = gz.createPublisher('sensor_msgs/msg/JointState', topics.joints);
    const cube = gz.createPublisher('tf2_msgs/msg/TFMessage', topics.cube);
    const stamp = () => ({ sec: Math.floor(t), nanosec: Math.round((t - Math.floor(t)) * 1e9) });
    const run = startGoalCapture(rcl, {
      ...baseOptions(() => t, topics),
      cubeFrame: GAZEBO_SCENARIO.cubeFrame,
      target: GAZEBO_SCENARIO.target,
      scheme: 'waypoints',
    });
    const node = run.node as FakeNode;
    expect(node.subscriptions.get(topics.cube)?.type).toBe('tf2_msgs/msg/TFMessage');
    expect(node.subscriptions.has('/unused/target')).toBe(false);
    let finished = false;
    const result = run.done.finally(() => (finished = true));
    for (let i = 0; !finished && i < 6000; i++) {
      t += DT;
      robot.advance(DT);
      joints.publish(robot.jointState(t, true));
      cube.publish({
        transforms: [
          {
            header: { stamp: stamp(), frame_id: 'world' },
            child_frame_id: 'distractor_cube',
            transform: { translation: { x: 9, y: 9, z: 9 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
          },
          {
            header: { stamp: stamp(), frame_id: 'world' },
            child_frame_id: 'task_cube',
            transform: { translation: { x: robot.cube[0], y: robot.cube[1], z: robot.cube[2] }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
          },
        ],
      });
      // A 2x2 bgr8 "camera" whose blue value says how open the fingers are.
      if (i % 2 === 0)
        image.publish({
          header: { stamp: stamp(), frame_id: 'camera' },
          height: 2,
          width: 2,
          encoding: 'bgr8',
          is_bigendian: 0,
          step: 6,
          data: new Uint8Array(12).fill(Math.round(robot.finger * 1000)),
        });
      run.tick();
      await Promise.resolve();
    }
    const frames = await result;
    expect(frames.map((f) => f.file)).toEqual(['hover.png', 'atcube.png', 'grasped.png', 'near.png', 'lowered.png', 'placed.png']);
    // Converted to RGB; the grasped and lowered frames show the fingers on the cube, the placed one open.
    expect(frames[2]?.image.data[0]).toBe(Math.round(CUBE_HALF * 1000));
    expect(frames[4]?.image.data[0]).toBe(Math.round(CUBE_HALF * 1000));
    expect(frames[5]?.image.data[0]).toBe(40);
    const target = GAZEBO_SCENARIO.target;
    expect(Math.hypot(robot.cube[0]! - target[0], robot.cube[1]! - target[1])).toBeLessThan(0.05);
    expect(robot.cube[2]).toBeCloseTo(REST, 9);
  }, 60_000);
});

describe('capture-goals failures', () => {
  it('names the topics that never delivered after the start-up limit', async () => {
    const rcl = fakeBus();
    let t = 0;
    const run = startGoalCapture(rcl, { ...baseOptions(() => t, SIM_TOPICS), startupTimeoutS: 3 });
    const joints = (rcl.createNode('sim') as FakeNode).createPublisher('sensor_msgs/msg/JointState', SIM_TOPICS.joints);
    joints.publish(new KinematicRobot([0.4, 0, REST], REST).jointState(1, false));
    for (let i = 0; i < 40; i++) {
      t += 0.1;
      run.tick();
    }
    await expect(run.done).rejects.toThrow(
      /no messages after 3 s on: camera\/image_raw \(sensor_msgs\/Image\), cube_pose \(geometry_msgs\/PoseStamped\), target_pose \(geometry_msgs\/PoseStamped\)/,
    );
    expect((run.node as FakeNode).timers[0]?.cancelled).toBe(true);
  });

  it('times out with the phase and what is missing when the arm never moves', async () => {
    const rcl = fakeBus();
    let t = 0;
    const run = startGoalCapture(rcl, { ...baseOptions(() => t, SIM_TOPICS), timeoutS: 10, target: [0.5, -0.2, 0] });
    const sim = rcl.createNode('sim') as FakeNode;
    const robot = new KinematicRobot([0.4, 0.1, REST], REST); // never commanded: nobody subscribes
    const joints = sim.createPublisher('sensor_msgs/msg/JointState', SIM_TOPICS.joints);
    const cube = sim.createPublisher('geometry_msgs/msg/PoseStamped', SIM_TOPICS.cube);
    const image = sim.createPublisher('sensor_msgs/msg/Image', SIM_TOPICS.image);
    for (let i = 0; i < 150; i++) {
      t += 0.1;
      joints.publish(robot.jointState(t, false));
      cube.publish({
        header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
        pose: { position: { x: 0.4, y: 0.1, z: REST }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
      });
      image.publish({
        header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
        height: 1,
        width: 1,
        encoding: 'rgb8',
        is_bigendian: 0,
        step: 3,
        data: new Uint8Array(3),
      });
      run.tick();
    }
    await expect(run.done).rejects.toThrow(
      /timed out after 10 s in phase 'approach' \(captured: none; missing: grasped, nearTarget, placed\); nothing was written/,
    );
  });

  it('rejects when closed before finishing', async () => {
    const run = startGoalCapture(
      fakeBus(),
      baseOptions(() => 0, SIM_TOPICS),
    );
    run.close();
    await expect(run.done).rejects.toThrow(/closed before it finished/);
  });
});
