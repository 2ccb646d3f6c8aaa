/**
 * The PickPlace action through the planner shell and rclnodejs 2.2.0-shaped action doubles
 * (fake-actions.ts), with the real test world model: goals rejected at goal time with the reason
 * in the log; feedback after every plan; REACHED, TIMED_OUT and MODEL_ERROR results; cancel holds
 * the arm at once and ends CANCELLED (the handle canceled only once it is CANCELING); a new goal
 * or a SetGoal call preempts; a build without the action type keeps the services; franka_msgs
 * missing refuses gripper_mode franka in one line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { encode } from 'fast-png';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { PICK_PLACE_TYPE } from '../../src/ros/pick-place-server.js';
import { feedbackLine, pickPlaceGoalMsg, sendActionGoal } from '../../src/ros/send-goal.js';
import { GoalStatus, type RclActionClient, type RclClientGoalHandle } from '../../src/ros/rcl-types.js';
import { startPlannerShell, type PlannerShell } from '../../src/ros/shell.js';
import { NAMES, PLANNER_NODE, plannerService } from '../../src/ros/topics.js';
import { type FakeNode, fakeRclnodejs } from './fake-rclnodejs.js';

/** Seconds between the test's control cycles: longer than a twist's period (0.25 s) and short of the stale limits. */
const CYCLE_S = 0.4;

/** A logger whose lines the test reads. */
function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

function imageMsg(width = 32, height = 32, encoding = 'rgb8', seed = 3) {
  const channels = encoding === '32FC1' ? 4 : 3;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 13) % 251;
  return { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: 'goal' }, height, width, encoding, is_bigendian: 0, step: width * channels, data };
}

function goal(
  fields: Partial<{
    images: object[];
    file_names: string[];
    use_current_frame: boolean;
    max_steps: number[];
    energy_thresholds: number[];
    timeout_s: number;
    stage_names: string[];
  }>,
) {
  return { images: [], file_names: [], use_current_frame: false, max_steps: [], energy_thresholds: [], timeout_s: 0, ...fields };
}

const pose = (t: number) => ({
  header: { stamp: { sec: Math.floor(t), nanosec: Math.round((t % 1) * 1e9) }, frame_id: 'fr3_link0' },
  pose: { position: { x: 0.5, y: 0, z: 0.3 }, orientation: { x: 1, y: 0, z: 0, w: 0 } },
});

type Twist = { twist: { linear: { x: number; y: number; z: number } } };
const speed = (m: Twist) => Math.hypot(m.twist.linear.x, m.twist.linear.y, m.twist.linear.z);

describe('PickPlace action (rclnodejs action doubles)', () => {
  let shell: PlannerShell | undefined;
  let goalDir: string;
  beforeAll(async () => {
    goalDir = await mkdtemp(join(tmpdir(), 'jepa-action-goals-'));
    const img = imageMsg(32, 32, 'rgb8', 5);
    await writeFile(join(goalDir, 'goal.png'), encode({ width: 32, height: 32, data: img.data, channels: 3, depth: 8 }));
  });
  afterAll(async () => rm(goalDir, { recursive: true, force: true }));
  afterEach(async () => {
    await shell?.close();
    shell = undefined;
  });

  async function start(overrides: Record<string, unknown> = {}, actionTypes?: string[]) {
    const rcl = fakeRclnodejs({ samples: 64n, iterations: 3n, elites: 8n, gripper_mode: 'joint', goal_dir: goalDir, ...overrides }, actionTypes);
    const { log, lines } = recordingLog();
    let model: OnnxWorldModel | undefined;
    shell = await startPlannerShell(rcl, {
      log,
      loadModel: async () => (model = await OnnxWorldModel.load(modelDir('test-tiny'))),
    });
    const node = rcl.nodes[0] as FakeNode;
    const name = plannerService(`/${PLANNER_NODE}`, 'pickPlace');
    const client = (actionTypes?.length === 0 ? undefined : new rcl.ActionClient(node, PICK_PLACE_TYPE, name)) as RclActionClient;
    let t = Number(node.nowNs) / 1e9;
    /** One control cycle: fresh frame and pose stamped now, the timer fires, the plan ends. */
    const cycle = async () => {
      t += CYCLE_S;
      node.nowNs = BigInt(Math.round(t * 1e9));
      const stamp = { sec: Math.floor(t), nanosec: Math.round((t % 1) * 1e9) };
      node.deliver(NAMES.image, { ...imageMsg(64, 48, 'rgb8', Math.round(t)), header: { stamp, frame_id: 'camera' } });
      node.deliver(NAMES.pose, pose(t));
      node.tick();
      await shell?.planner.idle();
      await new Promise((r) => setImmediate(r)); // goal handles end on the next turn
    };
    /** Sends a goal; an accepted one is waited for until the node has encoded and set it. */
    const send = async (g: object) => {
      const feedback: Record<string, unknown>[] = [];
      const set = lines.filter((l) => l['msg'] === 'action goal set').length;
      const handle = (await client.sendGoal(g, ((f: Record<string, unknown>) => feedback.push(f)) as (f: never) => void)) as RclClientGoalHandle;
      if (handle.accepted) await vi.waitFor(() => expect(lines.filter((l) => l['msg'] === 'action goal set').length).toBeGreaterThan(set));
      return { handle, feedback };
    };
    return { rcl, node, client, lines, cycle, send, model: () => model as OnnxWorldModel };
  }

  it('serves ~/pick_place under the node name', async () => {
    const { rcl, client } = await start();
    expect([...rcl.actionServers.keys()]).toEqual([`/${PLANNER_NODE}/pick_place`]);
    expect(client.isActionServerAvailable()).toBe(true);
  });

  it.each([
    ['an unsupported encoding', goal({ images: [imageMsg(4, 4, '32FC1')] }), /images\[0\]: unsupported image encoding '32FC1'/],
    ['no goals', goal({}), /no goals given/],
    ['an empty image', goal({ images: [{ ...imageMsg(0, 0), data: new Uint8Array(0) }] }), /images\[0\] is empty/],
    ['a file outside the goal folder', goal({ file_names: ['../../etc/passwd'] }), /outside the goal folder/],
    ['a missing file', goal({ file_names: ['nope.png'] }), /goal file 'nope.png' not found/],
    ['budgets that do not match the goals', goal({ images: [imageMsg(), imageMsg()], max_steps: [4] }), /max_steps has 1 entries for 2 goals/],
    ['a zero budget', goal({ images: [imageMsg()], max_steps: [0] }), /max_steps\[0\] must be >= 1/],
    ['the current frame before any frame', goal({ use_current_frame: true }), /no camera frame received yet/],
    ['a negative timeout', goal({ images: [imageMsg()], timeout_s: -1 }), /timeout_s must be >= 0/],
    ['stage names out of order', goal({ images: [imageMsg(), imageMsg()], stage_names: ['placed', 'grasped'] }), /stage_names: goal 'grasped' comes before/],
    [
      'a stage the proposer does not know',
      goal({ images: [imageMsg(), imageMsg()], stage_names: ['hover', 'placed'] }),
      /stage_names: goal 'hover' is not one/,
    ],
    ['stage names that do not match the goals', goal({ images: [imageMsg(), imageMsg()], stage_names: ['placed'] }), /stage_names has 1 entries for 2 goals/],
  ])('rejects %s at goal time, logs the reason and keeps running', async (_name, g, reason) => {
    const { node, lines, send } = await start();
    const { handle } = await send(g);
    expect(handle.accepted).toBe(false);
    const rejection = lines.find((l) => l['msg'] === 'PickPlace goal rejected');
    expect(String(rejection?.['reason'])).toMatch(reason);
    node.tick();
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code_name: 'WAITING_FOR_GOAL' });
    expect(shell?.planner.actionGoalRunning).toBe(false);
  });

  it('accepts a file goal and a budget, sends feedback after every plan, and succeeds with REACHED once the budget is spent', async () => {
    const { node, send, cycle } = await start();
    const { handle, feedback } = await send(goal({ file_names: ['goal.png'], max_steps: [2] }));
    expect(handle.accepted).toBe(true);
    await cycle(); // plan 1
    await cycle(); // plan 2: the budget is spent
    expect(feedback.map((f) => f['steps'])).toEqual([1, 2]);
    expect(feedback[0]).toMatchObject({ subgoal_index: 0, subgoal_count: 1 });
    expect(feedback[1]).toMatchObject({ subgoal_index: 1, subgoal_count: 1 });
    expect(feedback.every((f) => Number.isFinite(f['latent_distance']) && Number.isFinite(f['energy']) && (f['plan_time_ms'] as number) > 0)).toBe(true);
    expect(['OK', 'ACTION_CLAMPED']).toContain(feedback[0]?.['status_name']);
    await cycle(); // the last motion has finished: reached
    const result = await handle.getResult();
    expect(handle.status).toBe(GoalStatus.SUCCEEDED);
    expect(result).toMatchObject({ outcome: 0, outcome_name: 'REACHED', steps: 2, message: 'all 1 goals done' });
    expect(result['elapsed_s'] as number).toBeGreaterThan(2 * CYCLE_S - 1e-9);
    expect(Number.isFinite(result['final_energy'])).toBe(true);
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code_name: 'GOAL_REACHED' });
  });

  it("goals named by stage: the model's proposer fills in the others at the first plan, with its budgets", async () => {
    const { send, cycle } = await start();
    const { handle, feedback } = await send(goal({ images: [imageMsg()], file_names: ['goal.png'], stage_names: ['grasped', 'placed'] }));
    expect(handle.accepted).toBe(true);
    await cycle();
    await cycle();
    await cycle();
    // test-tiny's proposer: at cube, grasped, placed, 2 steps each; 'at cube' was proposed
    expect(feedback.map((f) => [f['subgoal_index'], f['subgoal_count']])).toEqual([
      [0, 3],
      [1, 3],
      [1, 3],
    ]);
  });

  it('cancel mid-goal: the arm holds at once (a zero twist before the answer), the goal ends CANCELLED and nothing more is planned', async () => {
    const { node, send, cycle } = await start();
    const { handle } = await send(goal({ images: [imageMsg()], max_steps: [10] }));
    await cycle();
    const moving = node.messages(NAMES.twist).at(-1) as Twist;
    expect(speed(moving)).toBeGreaterThan(0);
    const twistsBefore = node.messages(NAMES.twist).length;
    const answer = handle.cancelGoal() as Promise<{ return_code: number; goals_canceling: number[] }>;
    // The hold happens inside the cancel callback, before the server answers.
    expect(node.messages(NAMES.twist).length).toBe(twistsBefore + 1);
    expect(speed(node.messages(NAMES.twist).at(-1) as Twist)).toBe(0);
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code_name: 'HOLDING', message: 'goal cancelled; holding' });
    expect((await answer).goals_canceling).toHaveLength(1);
    const result = await handle.getResult();
    expect(handle.status).toBe(GoalStatus.CANCELED);
    expect(result).toMatchObject({ outcome: 2, outcome_name: 'CANCELLED', steps: 1 });
    await cycle();
    expect(speed(node.messages(NAMES.twist).at(-1) as Twist)).toBe(0);
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code_name: 'WAITING_FOR_GOAL', step: 1 });
  });

  it('a cancel for a goal that already ended is refused and leaves the running goal alone', async () => {
    const { send, cycle } = await start();
    const first = await send(goal({ images: [imageMsg()], max_steps: [10] }));
    const second = await send(goal({ images: [imageMsg(32, 32, 'rgb8', 9)], max_steps: [10] }));
    await cycle();
    expect((await first.handle.getResult())['outcome_name']).toBe('PREEMPTED');
    const answer = (await first.handle.cancelGoal()) as { goals_canceling: number[] };
    expect(answer.goals_canceling).toEqual([]);
    expect(shell?.planner.actionGoalRunning).toBe(true);
    expect(second.feedback).toHaveLength(1);
  });

  it('a new goal preempts the running one: ABORTED with PREEMPTED, the new one plans', async () => {
    const { send, cycle } = await start();
    const a = await send(goal({ images: [imageMsg()], max_steps: [10] }));
    await cycle();
    const b = await send(goal({ images: [imageMsg(32, 32, 'rgb8', 9), imageMsg(32, 32, 'bgr8', 4)], max_steps: [3, 3] }));
    const resultA = await a.handle.getResult();
    expect(a.handle.status).toBe(GoalStatus.ABORTED);
    expect(resultA).toMatchObject({ outcome: 3, outcome_name: 'PREEMPTED', message: 'preempted by a new goal', steps: 1 });
    await cycle();
    expect(b.feedback.at(-1)).toMatchObject({ subgoal_count: 2, steps: 1 });
    expect(a.feedback).toHaveLength(1);
  });

  it('a SetGoal service call preempts the running goal and its goal is planned', async () => {
    const { node, send, cycle } = await start();
    const a = await send(goal({ images: [imageMsg()], max_steps: [10] }));
    await cycle();
    const r = await node.call(NAMES.setGoal, { image: imageMsg(16, 16), file_name: '', use_current_frame: false });
    expect(r).toMatchObject({ accepted: true });
    expect(await a.handle.getResult()).toMatchObject({ outcome_name: 'PREEMPTED', message: 'replaced by a SetGoal service call' });
    await cycle();
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ step: 1 });
    expect(a.feedback).toHaveLength(1);
  });

  it('times out: TIMED_OUT, the arm holds', async () => {
    const { node, send, cycle } = await start();
    const { handle } = await send(goal({ images: [imageMsg()], max_steps: [50], timeout_s: 1 }));
    for (let k = 0; k < 3; k++) await cycle();
    const result = await handle.getResult();
    expect(handle.status).toBe(GoalStatus.ABORTED);
    expect(result).toMatchObject({ outcome: 1, outcome_name: 'TIMED_OUT', message: 'not reached within 1 s; holding' });
    expect(speed(node.messages(NAMES.twist).at(-1) as Twist)).toBe(0);
  });

  it('ends MODEL_ERROR when the goal images cannot be encoded', async () => {
    const { client, model } = await start();
    vi.spyOn(model(), 'encodeGoal').mockRejectedValueOnce(new Error('worker crashed'));
    const handle = await client.sendGoal(goal({ images: [imageMsg()] }));
    const result = await handle.getResult();
    expect(handle.status).toBe(GoalStatus.ABORTED);
    expect(result).toMatchObject({ outcome: 5, outcome_name: 'MODEL_ERROR', message: 'goal images could not be encoded: worker crashed' });
  });

  it('shutdown ends the running goal PREEMPTED and sends its result before the server goes', async () => {
    const { send, cycle } = await start();
    const { handle } = await send(goal({ images: [imageMsg()], max_steps: [10] }));
    await cycle();
    const result = handle.getResult(); // a client waiting for the result, as ros2 action send_goal does
    await shell?.close();
    shell = undefined;
    expect(await result).toMatchObject({ outcome_name: 'PREEMPTED', message: 'the planner node shut down' });
    expect(handle.status).toBe(GoalStatus.ABORTED);
  });

  it('send-goal --action: feedback as it comes, the result when the goal is reached; an abort signal cancels', async () => {
    const { rcl, lines, cycle } = await start();
    const img = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(90) };
    const goalSet = () => lines.filter((l) => l['msg'] === 'action goal set').length;
    const progress: string[] = [];
    const reached = sendActionGoal(rcl, `/${PLANNER_NODE}`, pickPlaceGoalMsg({ kind: 'sequence', images: [img], steps: [1], thresholds: [] }, 0), {
      waitMs: 100,
      onFeedback: (f) => progress.push(feedbackLine(f)),
    });
    await vi.waitFor(() => expect(goalSet()).toBe(1));
    await cycle();
    await cycle();
    const done = await reached;
    expect(done).toMatchObject({ accepted: true, status: 'SUCCEEDED', result: { outcome_name: 'REACHED', steps: 1 } });
    expect(progress).toHaveLength(1);
    expect(progress[0]).toMatch(
      /^subgoal 1\/1 {2}step 1 {2}energy \d+\.\d{4} {2}distance \d+\.\d{4} {2}plan \d+ ms {2}\d+\.\d s {2}(OK|ACTION_CLAMPED): step 1/,
    );
    const abort = new AbortController();
    const cancelled = sendActionGoal(rcl, `/${PLANNER_NODE}`, pickPlaceGoalMsg({ kind: 'single', image: img }, 30), { waitMs: 100, signal: abort.signal });
    await vi.waitFor(() => expect(goalSet()).toBe(2));
    abort.abort();
    expect(await cancelled).toMatchObject({ accepted: true, status: 'CANCELED', result: { outcome_name: 'CANCELLED' } });
    const rejected = await sendActionGoal(rcl, `/${PLANNER_NODE}`, pickPlaceGoalMsg({ kind: 'single', fileName: '../x.png' }, 0), { waitMs: 100 });
    expect(rejected).toEqual({ accepted: false });
  });

  it('a build without the action type logs one warning and keeps the goal services', async () => {
    const { rcl, node, lines } = await start({}, []);
    expect(rcl.actionServers.size).toBe(0);
    expect(lines.some((l) => /PickPlace action \(jepa_mpc_interfaces\/action\/PickPlace\) is not served/.test(String(l['msg'])))).toBe(true);
    expect(await node.call(NAMES.setGoal, { image: imageMsg(16, 16), file_name: '', use_current_frame: false })).toMatchObject({ accepted: true });
  });

  it('refuses gripper_mode franka without franka_msgs in one line naming the package, at start and as a live update', async () => {
    const rcl = fakeRclnodejs({ samples: 64n, iterations: 3n, elites: 8n });
    const error = await startPlannerShell(rcl, { log: recordingLog().log, loadModel: () => OnnxWorldModel.load(modelDir('test-tiny')) }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^gripper_mode 'franka' needs the franka_msgs package/);
    expect((error as Error).message).not.toContain('\n');
    const { node } = await start();
    const cb = node.paramCallbacks[0] as (p: { name: string; type: number; value: unknown }[]) => { successful: boolean; reason: string };
    expect(cb([{ name: 'gripper_mode', type: 4, value: 'franka' }])).toMatchObject({ successful: false, reason: expect.stringMatching(/franka_msgs/) });
    expect(shell?.planner.parameters.gripper_mode).toBe('joint');
  });
});
