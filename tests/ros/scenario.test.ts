import { describe, expect, it } from 'vitest';
import { forwardKinematics, PANDA_READY_Q } from '../../src/robot/panda-kinematics.js';
import { fingerOpeningFromJointState, judgePickPlace, positionFromTransforms, runScenario, tcpFromJointState, type ScenarioOptions } from '../../src/ros/scenario.js';
import { createLogger } from '../../src/log.js';
import { fakeRclnodejs, type FakeNode } from './fake-rclnodejs.js';

const REST = 0.0225;

describe('pick-and-place verdict from ROS poses', () => {
  it.each([
    ['placed, released, tool away', { tcp: [0.5, 0.2, 0.2], cube: [0.51, 0.21, REST], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, true],
    ['placed but still gripped', { tcp: [0.51, 0.21, 0.03], cube: [0.51, 0.21, REST], target: [0.5, 0.2, 0], fingerOpening: 0.02 }, false],
    ['released too far from the target', { tcp: [0.5, 0.2, 0.2], cube: [0.57, 0.2, REST], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, false],
    ['still lifted', { tcp: [0.5, 0.2, 0.2], cube: [0.5, 0.2, REST + 0.05], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, false],
  ])('%s → %s', (_name, snapshot, success) => {
    expect(judgePickPlace(snapshot, REST)?.success).toBe(success);
  });

  it('has no verdict until every pose has arrived', () => {
    expect(judgePickPlace({ tcp: [0, 0, 0], cube: [0, 0, 0] }, REST)).toBeUndefined();
  });
});

const transform = (child: string, x: number, y: number, z: number) => ({ child_frame_id: child, transform: { translation: { x, y, z } } });

describe('poses from a Gazebo run', () => {
  it.each([
    ['the exact child frame', [transform('distractor_cube', 9, 9, 9), transform('task_cube', 0.5, -0.1, REST)], [0.5, -0.1, REST]],
    ['a gz scoped name ending in it', [transform('tabletop::task_cube', 0.4, 0, REST)], [0.4, 0, REST]],
    ['another cube only', [transform('distractor_cube', 0.4, 0, REST)], undefined],
    ['a name that merely ends the same', [transform('big_task_cube', 0.4, 0, REST)], undefined],
    ['no transforms', [], undefined],
  ])('finds the cube by %s', (_name, transforms, expected) => {
    expect(positionFromTransforms({ transforms }, 'task_cube')).toEqual(expected);
  });

  it('takes the tool position from the arm joints by forward kinematics, in any joint order', () => {
    const names = ['fr3_finger_joint1', ...PANDA_READY_Q.map((_, i) => `fr3_joint${7 - i}`)];
    const positions = [0.04, ...[...PANDA_READY_Q].reverse()];
    const tcp = tcpFromJointState(names, positions);
    const expected = Array.from(forwardKinematics(PANDA_READY_Q).position.slice(0, 3));
    expect(tcp).toHaveLength(3);
    tcp?.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 12));
  });

  it.each([
    ['a joint missing', ['fr3_joint1', 'fr3_joint2'], [0, 0]],
    ['a NaN joint', PANDA_READY_Q.map((_, i) => `fr3_joint${i + 1}`), [NaN, ...PANDA_READY_Q.slice(1)]],
  ])('has no tool position with %s', (_name, names, positions) => {
    expect(tcpFromJointState(names, positions)).toBeUndefined();
  });

  it('averages the finger joints and ignores the arm', () => {
    expect(fingerOpeningFromJointState(['fr3_joint1', 'fr3_finger_joint1', 'fr3_finger_joint2'], [1, 0.03, 0.01])).toBeCloseTo(0.02, 12);
    expect(fingerOpeningFromJointState(['fr3_joint1'], [1])).toBeUndefined();
  });
});

describe('the scenario runner against a Gazebo-like graph (rclnodejs double)', () => {
  const target = [0.5129, -0.1902, 0];
  const options: ScenarioOptions = {
    planner: '/jepa_mpc_planner',
    goals: [{ width: 2, height: 2, data: new Uint8Array(12) }],
    steps: [3],
    timeoutS: 5,
    topics: { cube: '/gz/task_cube/pose', target: '/unused/target', pose: '/unused/pose', joints: '/joint_states' },
    cubeRestZ: REST,
    cubeFrame: 'task_cube',
    target,
    tcpFromJoints: true,
  };

  it('subscribes to the TFMessage cube and joint states only, and judges a placed cube a success', async () => {
    const rcl = fakeRclnodejs();
    const createNode = rcl.createNode.bind(rcl);
    let node: FakeNode | undefined;
    rcl.createNode = (name: string) => {
      node = createNode(name) as FakeNode;
      const n = node;
      // The planner's service, answered as the planner would; the "simulation" then reports the end state.
      n.createService('jepa_mpc_interfaces/srv/SetGoalSequence', '/jepa_mpc_planner/set_goal_sequence', {}, () => {
        n.deliver('/gz/task_cube/pose', { transforms: [transform('task_cube', target[0] as number, target[1] as number, REST)] });
        n.deliver('/joint_states', { name: [...PANDA_READY_Q.map((_, i) => `fr3_joint${i + 1}`), 'fr3_finger_joint1', 'fr3_finger_joint2'], position: [...PANDA_READY_Q, 0.04, 0.04] });
        n.deliver('/jepa_mpc_planner/status', { code_name: 'GOAL_REACHED', message: 'done', subgoal_index: 0, subgoal_count: 1 });
        return { accepted: true, message: 'ok', goal_count: 1 };
      });
      return n;
    };
    const verdict = await runScenario(rcl, options, createLogger('test'));
    expect(node?.subscriptions.get('/gz/task_cube/pose')?.type).toBe('tf2_msgs/msg/TFMessage');
    expect(node?.subscriptions.has('/unused/target')).toBe(false);
    expect(node?.subscriptions.has('/unused/pose')).toBe(false);
    expect(verdict.info?.cubeToTarget).toBeCloseTo(0, 9);
    expect(verdict.success).toBe(true);
    expect(verdict.lastStatus).toBe('GOAL_REACHED: done');
    expect(node?.destroyed).toBe(true);
  });
});
