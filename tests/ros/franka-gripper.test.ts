/**
 * franka_gripper over the rclnodejs action doubles: the simulator node serves Move, Grasp and
 * Homing (franka_msgs) and the planner's gripper goals reach them — a Grasp on nothing succeeds
 * or fails by its epsilon window as the real gripper reports, feedback carries the opening, a hold
 * cancels a slow Move (the goal ends canceled); the planner in gripper_mode franka starts when
 * franka_msgs exists; without it the simulator serves nothing and says so once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { GripperGoals, type GripperOutcome } from '../../src/node/gripper-goals.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { FRANKA_GRIPPER_TYPES } from '../../src/ros/franka-gripper.js';
import { GoalStatus, type RclActionClient, type RclClientGoalHandle } from '../../src/ros/rcl-types.js';
import { startPlannerShell, type PlannerShell } from '../../src/ros/shell.js';
import { startSimShell, type SimShell } from '../../src/ros/sim-shell.js';
import { DEFAULT_ACTION_TYPES, FRANKA_ACTION_TYPES, type FakeNode, fakeRclnodejs } from './fake-rclnodejs.js';

const log = createLogger('test');

describe('franka_gripper actions between the simulator node and the planner', () => {
  let sim: SimShell | undefined;
  let planner: PlannerShell | undefined;
  afterEach(async () => {
    await planner?.close();
    sim?.close();
    planner = undefined;
    sim = undefined;
  });

  async function start(types = [...DEFAULT_ACTION_TYPES, ...FRANKA_ACTION_TYPES]) {
    const rcl = fakeRclnodejs({ image_size: 64n }, types);
    sim = await startSimShell(rcl, { log });
    const node = rcl.nodes[0] as FakeNode;
    const client = (kind: 'move' | 'grasp') => new rcl.ActionClient(node, FRANKA_GRIPPER_TYPES[kind], `franka_gripper/${kind}`) as RclActionClient;
    const outcomes: GripperOutcome[] = [];
    const goals = new GripperGoals({ clients: { move: client('move'), grasp: client('grasp') }, timeoutS: () => 30, log, onOutcome: (o) => outcomes.push(o) });
    /** Steps the simulator until the outcome count grows (at most `n` steps). */
    const stepUntilOutcome = async (n = 30) => {
      const before = outcomes.length;
      for (let k = 0; k < n && outcomes.length === before; k++) {
        sim?.step();
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
      }
    };
    return { rcl, node, goals, outcomes, stepUntilOutcome };
  }

  it('serves move, grasp and homing under franka_gripper/', async () => {
    const { rcl } = await start();
    expect([...rcl.actionServers.keys()].sort()).toEqual(['/franka_gripper/grasp', '/franka_gripper/homing', '/franka_gripper/move']);
  });

  it('a Grasp the planner sends closes the fingers; success follows its epsilon window', async () => {
    const { goals, outcomes, stepUntilOutcome } = await start();
    // The planner's grasp: width 0, inner 5 mm, outer the full opening — closing on nothing is inside it.
    goals.send('grasp', { width: 0, epsilon: { inner: 0.005, outer: 0.08 }, speed: 0.1, force: 30 });
    await stepUntilOutcome();
    expect(outcomes.at(-1)).toEqual({ kind: 'grasp', outcome: 'succeeded', message: '' });
    goals.send('move', { width: 0.08, speed: 0.1 });
    await stepUntilOutcome();
    expect(outcomes.at(-1)).toMatchObject({ kind: 'move', outcome: 'succeeded' });
    // A grasp expecting a 4.5 cm object on nothing: the fingers close fully and the gripper reports success=false.
    goals.send('grasp', { width: 0.045, epsilon: { inner: 0.005, outer: 0.005 }, speed: 0.1, force: 30 });
    await stepUntilOutcome();
    expect(outcomes.at(-1)).toMatchObject({ kind: 'grasp', outcome: 'failed', message: expect.stringMatching(/nothing grasped/) });
  });

  it('feedback carries the opening; a hold cancels a slow Move: the server ends it canceled and the fingers stop', async () => {
    const { node, rcl, goals, outcomes } = await start();
    const client = new rcl.ActionClient(node, FRANKA_GRIPPER_TYPES.move, 'franka_gripper/move') as RclActionClient;
    const feedback: number[] = [];
    const direct = (await client.sendGoal({ width: 0, speed: 0.01 }, ((f: { current_width: number }) => feedback.push(f.current_width)) as (
      f: never,
    ) => void)) as RclClientGoalHandle;
    for (let k = 0; k < 3; k++) sim?.step();
    expect(feedback).toHaveLength(3);
    expect(feedback[0]).toBeGreaterThan((feedback[2] as number) + 0.004);
    // The planner's goal preempts it (franka_gripper runs one command at a time): aborted.
    goals.send('move', { width: 0, speed: 0.01 });
    await direct.getResult();
    expect(direct.status).toBe(GoalStatus.ABORTED);
    for (let k = 0; k < 2; k++) sim?.step();
    goals.halt('the arm holds');
    expect(outcomes.at(-1)).toEqual({ kind: 'move', outcome: 'cancelled', message: 'the arm holds' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const server = rcl.actionServers.get('/franka_gripper/move');
    const handles = [...(server?.handles.values() ?? [])];
    expect(handles.map((h) => h.status)).toEqual([GoalStatus.ABORTED, GoalStatus.CANCELED]);
    const width = () => (sim as SimShell).sim.fingerClosedness();
    sim?.step();
    const held = width();
    for (let k = 0; k < 3; k++) sim?.step();
    expect(Math.abs(width() - held)).toBeLessThan(0.02);
  });

  it('the planner starts in gripper_mode franka when franka_msgs exists', async () => {
    const rcl = fakeRclnodejs({ samples: 64n, iterations: 3n, elites: 8n, gripper_mode: 'franka' }, [...DEFAULT_ACTION_TYPES, ...FRANKA_ACTION_TYPES]);
    planner = await startPlannerShell(rcl, { log, loadModel: () => OnnxWorldModel.load(modelDir('test-tiny')) });
    expect(planner.planner.parameters.gripper_mode).toBe('franka');
  });

  it('without franka_msgs the simulator serves no gripper actions and keeps running', async () => {
    const rcl = fakeRclnodejs({ image_size: 64n });
    sim = await startSimShell(rcl, { log });
    expect(rcl.actionServers.size).toBe(0);
    sim.step();
    expect((rcl.nodes[0] as FakeNode).messages('joint_states').length).toBeGreaterThan(1);
  });
});
