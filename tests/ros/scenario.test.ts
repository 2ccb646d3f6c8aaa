import { describe, expect, it } from 'vitest';
import { forwardKinematics, PANDA_READY_Q } from '../../src/robot/panda-kinematics.js';
import { runScenario, type ScenarioOptions } from '../../src/ros/scenario.js';
import {
  episodeTimeoutS,
  fingerOpeningFromJointState,
  judgePickPlace,
  PickPlaceJudge,
  positionFromTransforms,
  tcpFromJointState,
} from '../../src/scenario/judge.js';
import { createLogger } from '../../src/log.js';
import { PICK_PLACE_TYPE } from '../../src/ros/pick-place-server.js';
import { CancelResponse, GoalStatus, type RclServerGoalHandle } from '../../src/ros/rcl-types.js';
import { fakeRclnodejs, type FakeNode } from './fake-rclnodejs.js';

const REST = 0.0225;
/** How long the double's plan and its last motion take (several of the runner's polls each). */
const LAST_MOTION_MS = 400;

describe('pick-and-place verdict from ROS poses', () => {
  it.each([
    ['placed, released, tool away', { tcp: [0.5, 0.2, 0.2], cube: [0.51, 0.21, REST], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, true],
    ['placed but still gripped', { tcp: [0.51, 0.21, 0.03], cube: [0.51, 0.21, REST], target: [0.5, 0.2, 0], fingerOpening: 0.02 }, false],
    ['released too far from the target', { tcp: [0.5, 0.2, 0.2], cube: [0.57, 0.2, REST], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, false],
    ['still lifted', { tcp: [0.5, 0.2, 0.2], cube: [0.5, 0.2, REST + 0.05], target: [0.5, 0.2, 0], fingerOpening: 0.04 }, false],
  ])('%s (after a lift) → %s', (_name, snapshot, success) => {
    expect(judgePickPlace(snapshot, REST, true)?.success).toBe(success);
  });

  it('counts a pick-and-place only if the cube was lifted first: a cube pushed onto the target is a failure', () => {
    const placed = { tcp: [0.5, 0.2, 0.2], cube: [0.51, 0.21, REST], target: [0.5, 0.2, 0], fingerOpening: 0.04 };
    expect(judgePickPlace(placed, REST)?.success).toBe(false);
    const judge = new PickPlaceJudge(REST);
    expect(judge.update(placed)?.success).toBe(false); // pushed there
    // Held 6 cm up at the tool (fingers around the cube read about half closed), then set down and released.
    expect(judge.update({ tcp: [0.45, 0.1, REST + 0.06], cube: [0.45, 0.1, REST + 0.06], target: [0.5, 0.2, 0], fingerOpening: 0.022 })?.lifted).toBe(true);
    // A cube 6 cm up but away from the tool (knocked into the air) is not a lift.
    expect(new PickPlaceJudge(REST).update({ tcp: [0.3, 0.1, 0.3], cube: [0.45, 0.1, REST + 0.06], target: [0.5, 0.2, 0], fingerOpening: 0.04 })?.lifted).toBe(
      false,
    );
    expect(judge.update(placed)).toMatchObject({ success: true, lifted: true });
  });

  it('sizes the timeout from the budgets and the plan time', () => {
    // 36 steps x (0.8 s plan + 3 x 0.25 s) + 30 s slack
    expect(episodeTimeoutS([8, 5, 4, 10, 4, 5], 0.25, 0.8)).toBeCloseTo(36 * 1.55 + 30, 9);
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

/** Scenario options against a Gazebo-like graph: seed 7, one blank 2x2 goal image per step budget. */
function gazeboOptions(target: number[], steps: number[]): ScenarioOptions {
  return {
    planner: '/jepa_mpc_planner',
    seeds: [7],
    goalsFor: async () => steps.map(() => ({ width: 2, height: 2, data: new Uint8Array(12) })),
    steps,
    periodS: 0.25,
    timeoutS: 5,
    topics: { cube: '/gz/task_cube/pose', target: '/unused/target', pose: '/unused/pose', joints: '/joint_states' },
    cubeRestZ: REST,
    cubeFrame: 'task_cube',
    target,
    tcpFromJoints: true,
  };
}

describe('the scenario runner against a Gazebo-like graph (rclnodejs double)', () => {
  const target = [0.5129, -0.1902, 0];
  const options = gazeboOptions(target, [3]);
  const names = [...PANDA_READY_Q.map((_, i) => `fr3_joint${i + 1}`), 'fr3_finger_joint1', 'fr3_finger_joint2'];

  it('subscribes to the TFMessage cube and joint states only, and judges a lifted then placed cube a success', async () => {
    const rcl = fakeRclnodejs();
    const createNode = rcl.createNode.bind(rcl);
    let node: FakeNode | undefined;
    const tool = Array.from(forwardKinematics(PANDA_READY_Q).position.slice(0, 3));
    rcl.createNode = (name: string) => {
      node = createNode(name) as FakeNode;
      const n = node;
      // The planner's services, answered as the planner would; the "simulation" then lifts the cube at the tool and places it.
      // One goal image goes by SetGoal (the planner makes its stages with the model's proposer).
      n.createService('jepa_mpc_interfaces/srv/SetGoalSequence', '/jepa_mpc_planner/set_goal_sequence', {}, () => ({
        accepted: false,
        message: 'not this one',
        goal_count: 0,
      }));
      n.createService(
        'jepa_mpc_interfaces/srv/SetGoal',
        '/jepa_mpc_planner/set_goal',
        {},
        (req: { image: { width: number }; file_name: string; use_current_frame: boolean }) => {
          expect(req.image.width).toBe(2);
          expect(req.file_name).toBe('');
          n.deliver('/joint_states', { name: names, position: [...PANDA_READY_Q, 0.022, 0.022] });
          n.deliver('/gz/task_cube/pose', { transforms: [transform('task_cube', tool[0] as number, tool[1] as number, tool[2] as number)] });
          n.deliver('/gz/task_cube/pose', { transforms: [transform('task_cube', target[0] as number, target[1] as number, REST)] });
          n.deliver('/joint_states', { name: names, position: [...PANDA_READY_Q, 0.04, 0.04] });
          n.deliver('/jepa_mpc_planner/status', { code_name: 'OK', message: 'step 1', step: 1, subgoal_index: 0, subgoal_count: 1, plan_time_ms: 300 });
          n.deliver('/jepa_mpc_planner/status', { code_name: 'GOAL_REACHED', message: 'done', step: 1, subgoal_index: 1, subgoal_count: 1, plan_time_ms: 300 });
          return { accepted: true, message: 'ok', latent_distance: 0.5 };
        },
      );
      return n;
    };
    const [verdict] = await runScenario(rcl, options, createLogger('test'));
    expect(node?.subscriptions.get('/gz/task_cube/pose')?.type).toBe('tf2_msgs/msg/TFMessage');
    expect(node?.subscriptions.has('/unused/target')).toBe(false);
    expect(node?.subscriptions.has('/unused/pose')).toBe(false);
    expect(verdict?.info?.cubeToTarget).toBeCloseTo(0, 9);
    expect(verdict).toMatchObject({ seed: 7, success: true, lifted: true, steps: 1, meanPlanMs: 300 });
    expect(verdict?.lastStatus).toBe('GOAL_REACHED: done');
    expect(node?.destroyed).toBe(true);
  });

  it('seeds and resets the simulator node and seeds the planner before each episode, one verdict per seed', async () => {
    const rcl = fakeRclnodejs();
    const createNode = rcl.createNode.bind(rcl);
    const calls: string[] = [];
    rcl.createNode = (name: string) => {
      const n = createNode(name) as FakeNode;
      const setParameters = (node: string) => (req: { parameters: { name: string; value: { integer_value: bigint } }[] }) => {
        calls.push(`${node} ${req.parameters[0]?.name}=${req.parameters[0]?.value.integer_value}`);
        return { results: [{ successful: true, reason: '' }] };
      };
      n.createService('rcl_interfaces/srv/SetParameters', '/sim/set_parameters', {}, setParameters('sim'));
      n.createService('rcl_interfaces/srv/SetParameters', '/jepa_mpc_planner/set_parameters', {}, setParameters('planner'));
      n.createService('std_srvs/srv/Trigger', '/sim/reset', {}, () => (calls.push('sim reset'), { success: true, message: '' }));
      n.createService('std_srvs/srv/Trigger', '/jepa_mpc_planner/clear_goal', {}, () => (calls.push('planner clear'), { success: true, message: '' }));
      n.createService(
        'jepa_mpc_interfaces/srv/SetGoalSequence',
        '/jepa_mpc_planner/set_goal_sequence',
        {},
        (req: { images: unknown[]; max_steps: number[] }) => {
          calls.push(`goals ${req.images.length} ${req.max_steps.join('/')}`);
          n.deliver('/jepa_mpc_planner/status', { code_name: 'OK', message: 'step 1', step: 1, subgoal_index: 0, subgoal_count: 1, plan_time_ms: 100 });
          n.deliver('/jepa_mpc_planner/status', { code_name: 'GOAL_REACHED', message: 'done', step: 1, subgoal_index: 1, subgoal_count: 1, plan_time_ms: 100 });
          return { accepted: true, message: 'ok', goal_count: 1 };
        },
      );
      return n;
    };
    const two = { width: 2, height: 2, data: new Uint8Array(12) };
    const results = await runScenario(rcl, { ...options, sim: '/sim', seeds: [3, 4], goalsFor: async () => [two, two], steps: [3, 4] }, createLogger('test'));
    expect(results.map((r) => r.seed)).toEqual([3, 4]);
    expect(results.every((r) => !r.success && r.info === undefined)).toBe(true); // no poses arrived
    expect(calls).toEqual([
      'sim seed=3',
      'sim reset',
      'planner planner_seed=3',
      'goals 2 3/4',
      'planner clear',
      'sim seed=4',
      'sim reset',
      'planner planner_seed=4',
      'goals 2 3/4',
      'planner clear',
    ]);
  });
});

describe('the scenario runner through the PickPlace action (rclnodejs action doubles)', () => {
  const target = [0.5129, -0.1902, 0];
  const names = [...PANDA_READY_Q.map((_, i) => `fr3_joint${i + 1}`), 'fr3_finger_joint1', 'fr3_finger_joint2'];
  const tool = Array.from(forwardKinematics(PANDA_READY_Q).position.slice(0, 3));
  const options = gazeboOptions(target, [3, 4]);
  /** A planner graph with the goal services and a PickPlace server whose goals `execute` runs. */
  function graph(execute: (n: FakeNode, handle: RclServerGoalHandle) => Promise<object>, cancel?: () => number) {
    const rcl = fakeRclnodejs();
    const createNode = rcl.createNode.bind(rcl);
    const calls: string[] = [];
    const servers: { handles: Map<number, { status: number }> }[] = [];
    rcl.createNode = (name: string) => {
      const n = createNode(name) as FakeNode;
      n.createService('jepa_mpc_interfaces/srv/SetGoalSequence', '/jepa_mpc_planner/set_goal_sequence', {}, () => {
        calls.push('services');
        return { accepted: true, message: 'ok', goal_count: 2 };
      });
      n.createService('std_srvs/srv/Trigger', '/jepa_mpc_planner/clear_goal', {}, () => (calls.push('clear'), { success: true, message: '' }));
      if (name === 'jepa_mpc_scenario') {
        const server = new rcl.ActionServer(
          n,
          PICK_PLACE_TYPE,
          '/jepa_mpc_planner/pick_place',
          (h) => {
            const goal = h.request as { images: unknown[]; max_steps: number[]; stage_names: string[] };
            calls.push(`action ${goal.images.length} ${goal.max_steps.join('/')}${goal.stage_names.length ? ` [${goal.stage_names.join('|')}]` : ''}`);
            return execute(n, h);
          },
          undefined,
          undefined,
          cancel ?? (() => CancelResponse.REJECT),
        );
        servers.push(server as unknown as (typeof servers)[number]);
      }
      return n;
    };
    return { rcl, calls, servers };
  }
  /** The cube lifted at the tool, then set down on the target and released. */
  const placeCube = (n: FakeNode) => {
    n.deliver('/joint_states', { name: names, position: [...PANDA_READY_Q, 0.022, 0.022] });
    n.deliver('/gz/task_cube/pose', { transforms: [transform('task_cube', tool[0] as number, tool[1] as number, tool[2] as number)] });
    n.deliver('/gz/task_cube/pose', { transforms: [transform('task_cube', target[0] as number, target[1] as number, REST)] });
    n.deliver('/joint_states', { name: names, position: [...PANDA_READY_Q, 0.04, 0.04] });
  };

  it('sends the goals as one action goal with their budgets and takes the result as the planner’s word', async () => {
    const { rcl, calls } = graph(async (n, h) => {
      placeCube(n);
      h.succeed();
      return { outcome: 0, outcome_name: 'REACHED', message: 'all 2 goals done', steps: 7, elapsed_s: 2, final_energy: 0.1 };
    });
    const [verdict] = await runScenario(rcl, options, createLogger('test'));
    expect(calls).toEqual(['action 2 3/4', 'clear']);
    expect(verdict).toMatchObject({ seed: 7, success: true, lifted: true, lastStatus: 'REACHED: all 2 goals done' });
  });

  it("names the goals by stage when the planner's proposer is to fill in the others (no budgets: the proposer's)", async () => {
    const { rcl, calls } = graph(async (n, h) => {
      placeCube(n);
      h.succeed();
      return { outcome: 0, outcome_name: 'REACHED', message: 'all 6 goals done', steps: 37, elapsed_s: 9, final_energy: 0.1 };
    });
    const named: ScenarioOptions = { ...options, steps: [], stageNames: ['grasped', 'placed'], plannedSteps: [8, 5, 4, 10, 4, 6] };
    const [verdict] = await runScenario(
      rcl,
      { ...named, goalsFor: async () => [0, 1].map(() => ({ width: 2, height: 2, data: new Uint8Array(12) })) },
      createLogger('test'),
    );
    expect(calls).toEqual(['action 2  [grasped|placed]', 'clear']);
    expect(verdict?.success).toBe(true);
  });

  it('waits for the result after a GOAL_REACHED status (the goal’s last motion ends first) and cancels nothing', async () => {
    const status = (code_name: string, step: number) => ({ code_name, message: code_name, step, subgoal_index: 0, subgoal_count: 2, plan_time_ms: 100 });
    const { rcl, calls } = graph(
      async (n, h) => {
        n.deliver('/jepa_mpc_planner/status', status('OK', 1));
        await new Promise((r) => setTimeout(r, LAST_MOTION_MS));
        n.deliver('/jepa_mpc_planner/status', status('GOAL_REACHED', 2));
        await new Promise((r) => setTimeout(r, LAST_MOTION_MS));
        placeCube(n);
        h.succeed();
        return { outcome: 0, outcome_name: 'REACHED', message: 'all 2 goals done', steps: 2, elapsed_s: 1, final_energy: 0.1 };
      },
      () => (calls.push('cancel'), CancelResponse.ACCEPT),
    );
    const [verdict] = await runScenario(rcl, options, createLogger('test'));
    expect(calls).toEqual(['action 2 3/4', 'clear']);
    expect(verdict).toMatchObject({ success: true, lastStatus: 'REACHED: all 2 goals done' });
  });

  it('cancels a goal still running once the cube is judged placed (the arm holds); --services sends by the services', async () => {
    let release: (() => void) | undefined;
    const { rcl, calls, servers } = graph(
      (n) => {
        placeCube(n);
        return new Promise<object>((resolve) => (release = () => resolve({ outcome: 2, outcome_name: 'CANCELLED', message: 'cancelled' })));
      },
      () => {
        calls.push('cancel');
        setImmediate(() => release?.());
        return CancelResponse.ACCEPT;
      },
    );
    const [verdict] = await runScenario(rcl, options, createLogger('test'));
    await new Promise((r) => setImmediate(r));
    expect(verdict?.success).toBe(true);
    expect(calls).toEqual(['action 2 3/4', 'cancel', 'clear']);
    const handle = [...(servers[0]?.handles.values() ?? [])][0];
    expect(handle?.status).toBe(GoalStatus.ABORTED); // this double's execute ends without canceled(): the server aborts it
    calls.length = 0;
    await runScenario(rcl, { ...options, useAction: false }, createLogger('test'));
    expect(calls).toEqual(['services', 'clear']);
  });
});
