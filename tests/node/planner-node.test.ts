/**
 * The planner node's behaviour through its ports, with the real test world model in its worker,
 * a controlled clock and recording outputs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlannerStatus } from '../../src/core/status.js';
import { createLogger } from '../../src/log.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { defaultParameters, type ParamValues } from '../../src/node/parameters.js';
import { resolvePlannerConfig } from '../../src/model/planner-settings.js';
import { PlannerNode } from '../../src/node/planner-node.js';
import { plannerSettingsOf } from '../../src/node/node-settings.js';
import type { ArmCommand, GripperOutput, NodeOutputs, StatusReport } from '../../src/node/ports.js';
import { modelDir } from '../../src/paths.js';
import type { ToolPose } from '../../src/robot/commands.js';

const POSE: ToolPose = { position: [0.5, 0, 0.3], orientation: { x: 1, y: 0, z: 0, w: 0 } };
const log = createLogger('test');

class Recorder implements NodeOutputs {
  commands: ArmCommand[] = [];
  grippers: GripperOutput[] = [];
  statuses: StatusReport[] = [];
  paths: (readonly (readonly [number, number, number])[])[] = [];
  command(c: ArmCommand) {
    this.commands.push(c);
  }
  gripper(g: GripperOutput) {
    this.grippers.push(g);
  }
  status(s: StatusReport) {
    this.statuses.push(s);
  }
  planPath(p: readonly (readonly [number, number, number])[]) {
    this.paths.push(p);
  }
  get lastStatus(): StatusReport {
    return this.statuses.at(-1) as StatusReport;
  }
}

function frame(seed: number, width = 64, height = 48) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 13) % 251;
  return { kind: 'raw' as const, image: { width, height, encoding: 'rgb8', step: width * 3, data } };
}

describe('PlannerNode', () => {
  let model: OnnxWorldModel;
  let goalDir: string;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('test-tiny'));
    goalDir = await mkdtemp(join(tmpdir(), 'jepa-node-goals-'));
    const img = frame(5, 32, 32).image;
    await writeFile(join(goalDir, 'goal.png'), encode({ width: 32, height: 32, data: img.data, channels: 3, depth: 8 }));
  });
  afterAll(async () => {
    await model.close();
    await rm(goalDir, { recursive: true, force: true });
  });

  function makeNode(params: Partial<ParamValues> = {}, withModel = true) {
    let now = 100;
    const outputs = new Recorder();
    const node = new PlannerNode({
      model: withModel ? model : { error: 'manifest.json not found' },
      params: { ...defaultParameters(), samples: 64, iterations: 3, elites: 8, ...params },
      outputs,
      clock: () => now,
      goalDir,
      log,
    });
    return { node, outputs, advance: (s: number) => (now += s), now: () => now };
  }

  it('waits for a goal, publishing a status and a zero twist every cycle', () => {
    const { node, outputs } = makeNode();
    node.tick();
    node.tick();
    expect(outputs.statuses.map((s) => s.codeName)).toEqual(['WAITING_FOR_GOAL', 'WAITING_FOR_GOAL']);
    expect(outputs.commands).toHaveLength(2);
    expect(outputs.commands.every((c) => c.kind === 'twist' && c.twist.linear.every((v) => v === 0))).toBe(true);
  });

  it('plans and streams a twist for one period once it has a goal, a fresh frame and a pose', async () => {
    const { node, outputs, advance } = makeNode({ gripper_mode: 'joint' });
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    const r = await node.setGoal({ fileName: 'goal.png' });
    expect(r.accepted).toBe(true);
    expect(Number.isFinite(r.latentDistance)).toBe(true);
    node.tick();
    await node.idle();
    const s = outputs.lastStatus;
    expect([PlannerStatus.OK, PlannerStatus.ACTION_CLAMPED]).toContain(s.code);
    expect(s.step).toBe(1);
    expect(s.lastAction).toHaveLength(7);
    const twist = outputs.commands.at(-1) as Extract<ArmCommand, { kind: 'twist' }>;
    expect(twist.frameId).toBe('fr3_link0');
    // twist = action / period (4 Hz)
    expect(twist.twist.linear[0]).toBeCloseTo(s.lastAction[0]! * 4, 5);
    expect(outputs.paths.at(-1)).toHaveLength(2);
    expect(outputs.grippers.at(-1)).toMatchObject({ kind: 'position' });
    // After the period the twist decays instead of jumping to zero.
    advance(0.3);
    node.onImage(frame(2), 100.3);
    node.onPose(POSE, 100.3);
    node.stop();
    node.tick();
    const after = outputs.commands.at(-1) as Extract<ArmCommand, { kind: 'twist' }>;
    expect(outputs.lastStatus.codeName).toBe('HOLDING');
    expect(Math.hypot(...after.twist.linear)).toBeLessThanOrEqual(Math.hypot(...twist.twist.linear));
  });

  it('one goal and a model with a subgoal proposer: the node makes the stages from its first frame and plans through them', async () => {
    const { node, outputs } = makeNode({ gripper_mode: 'joint' });
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    const r = await node.setGoal({ fileName: 'goal.png' });
    expect(r.accepted).toBe(true);
    expect(r.message).toMatch(/stages at cube, grasped, placed from the subgoal proposer \(2\/2\/2 steps\)/);
    node.tick();
    await node.idle();
    expect(outputs.lastStatus.step).toBe(1);
    expect(outputs.lastStatus.subgoalCount).toBe(3);
    const straight = makeNode({ gripper_mode: 'joint', propose_stages: false });
    straight.node.onImage(frame(1), 100);
    straight.node.onPose(POSE, 100);
    expect((await straight.node.setGoal({ fileName: 'goal.png' })).message).toMatch(/40 steps budget/);
    straight.node.tick();
    await straight.node.idle();
    expect(straight.outputs.lastStatus.subgoalCount).toBe(1);
  });

  it('holds on a stale camera frame and on a stale pose, saying how old', async () => {
    const { node, outputs, advance } = makeNode();
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    await node.setGoal({ useCurrentFrame: true });
    advance(1);
    node.onPose(POSE, 101);
    node.tick();
    expect(outputs.lastStatus.codeName).toBe('STALE_IMAGE');
    expect(outputs.lastStatus.message).toMatch(/camera frame is 1.00 s old \(limit 0.5 s\)/);
    node.onImage(frame(1), 101);
    advance(0.6);
    node.onImage(frame(1), 101.6);
    node.tick();
    expect(outputs.lastStatus.codeName).toBe('STALE_STATE');
  });

  it.each([
    ['an unknown encoding', { kind: 'raw' as const, image: { ...frame(1).image, encoding: 'yuv422' } }, POSE, /unsupported image encoding 'yuv422'/],
    ['a step shorter than a row', { kind: 'raw' as const, image: { ...frame(1).image, step: 10 } }, POSE, /row step 10 is smaller/],
    ['a JPEG frame', { kind: 'compressed' as const, format: 'jpeg', data: new Uint8Array(10) }, POSE, /'jpeg' is not supported/],
    ['a NaN pose', frame(1), { ...POSE, position: [NaN, 0, 0.3] as [number, number, number] }, /cannot be normalised|NaN/],
  ])('reports INVALID_INPUT for %s, holds, and keeps running', async (_name, badFrame, pose, message) => {
    const { node, outputs } = makeNode();
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    await node.setGoal({ useCurrentFrame: true });
    node.onImage(badFrame, 100);
    node.onPose(pose, 100);
    node.tick();
    await node.idle();
    node.tick();
    await node.idle();
    expect(outputs.lastStatus.codeName).toBe('INVALID_INPUT');
    expect(outputs.lastStatus.message).toMatch(message);
    expect(outputs.lastStatus.step).toBe(0);
    // Good input again: planning resumes.
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    node.tick();
    await node.idle();
    expect(outputs.lastStatus.step).toBe(1);
  });

  it('keeps the commanded pose inside the workspace box', async () => {
    const { node, outputs } = makeNode({ output_mode: 'pose', workspace_min: [0.25, -0.45, 0.29], workspace_max: [0.8, 0.45, 0.31] });
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    await node.setGoal({ fileName: 'goal.png' });
    for (let i = 0; i < 3; i++) {
      node.tick();
      await node.idle();
    }
    const poses = outputs.commands.filter((c): c is Extract<ArmCommand, { kind: 'pose' }> => c.kind === 'pose');
    expect(poses.length).toBeGreaterThan(0);
    for (const p of poses) expect(p.pose.position[2]).toBeGreaterThanOrEqual(0.29 - 1e-6);
    for (const p of poses) expect(p.pose.position[2]).toBeLessThanOrEqual(0.31 + 1e-6);
  });

  it('runs a goal sequence through its budgets to GOAL_REACHED', async () => {
    const { node, outputs, advance, now } = makeNode();
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    const r = await node.setGoalSequence({ images: [frame(3).image, frame(4).image], fileNames: ['goal.png'], maxSteps: [1, 1, 1], energyThresholds: [] });
    expect(r).toMatchObject({ accepted: true, goalCount: 3 });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      node.tick();
      await node.idle();
      seen.push(outputs.lastStatus.subgoalIndex);
      advance(0.3); // the command's period passes; the next frame shows its result
      node.onImage(frame(1), now());
      node.onPose(POSE, now());
    }
    node.tick();
    expect(outputs.lastStatus.codeName).toBe('GOAL_REACHED');
    expect(outputs.lastStatus.step).toBe(3);
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it("a sequence named by stage: the model's proposer fills in the stages no image was given for, each given goal keeping its own budget", async () => {
    const { node, outputs, advance, now } = makeNode();
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    // test-tiny's proposer knows at cube, grasped, placed (2/2/2 steps): 'at cube' is proposed, with its budget
    const r = await node.setGoalSequence({
      images: [frame(3).image],
      fileNames: ['goal.png'],
      maxSteps: [1, 3],
      energyThresholds: [],
      stageNames: ['grasped', 'placed'],
    });
    expect(r).toMatchObject({ accepted: true, goalCount: 2 });
    expect(r.message).toMatch(/stages at cube, grasped, placed, those not given from the subgoal proposer/);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      node.tick();
      await node.idle();
      seen.push(outputs.lastStatus.subgoalIndex);
      expect(outputs.lastStatus.subgoalCount).toBe(3);
      advance(0.3);
      node.onImage(frame(1), now());
      node.onPose(POSE, now());
    }
    expect(seen).toEqual([0, 1, 2, 2, 2, 3]); // at cube 2 steps (the proposer's), grasped 1, placed 3 (the goals' own)
    // without the proposer (propose_stages off) the names are not used: the goals are planned as given
    const off = makeNode({ propose_stages: false });
    off.node.onImage(frame(1), 100);
    off.node.onPose(POSE, 100);
    const r2 = await off.node.setGoalSequence({
      images: [frame(3).image],
      fileNames: ['goal.png'],
      maxSteps: [],
      energyThresholds: [],
      stageNames: ['grasped', 'placed'],
    });
    expect(r2.accepted).toBe(true);
    expect(r2.message).toMatch(/stage_names not used .* planned as given, 40 steps each/);
    off.node.tick();
    await off.node.idle();
    expect(off.outputs.lastStatus.subgoalCount).toBe(2);
  });

  it.each([
    [['placed', 'grasped'], /stage_names: goal 'grasped' comes before an earlier goal/],
    [['hover', 'placed'], /stage_names: goal 'hover' is not one of the proposer's stages \(at cube, grasped, placed\)/],
    [['placed'], /stage_names has 1 entries for 2 goals/],
  ])('refuses stage names that do not fit the goals or the proposer %#', async (stageNames, message) => {
    const { node } = makeNode();
    const r = await node.setGoalSequence({ images: [frame(3).image], fileNames: ['goal.png'], maxSteps: [], energyThresholds: [], stageNames });
    expect(r.accepted).toBe(false);
    expect(r.message).toMatch(message);
  });

  it.each([
    [{ images: [], fileNames: [], maxSteps: [], energyThresholds: [] }, /no goals given/],
    [{ images: [], fileNames: ['goal.png'], maxSteps: [1, 2], energyThresholds: [] }, /max_steps has 2 entries for 1 goals/],
    [{ images: [], fileNames: ['goal.png'], maxSteps: [0], energyThresholds: [] }, /max_steps\[0\] must be >= 1/],
    [{ images: [], fileNames: ['../etc/passwd'], maxSteps: [3], energyThresholds: [] }, /outside the goal folder/],
  ])('refuses bad sequence %#', async (req, message) => {
    const { node } = makeNode();
    const r = await node.setGoalSequence(req);
    expect(r.accepted).toBe(false);
    expect(r.message).toMatch(message);
  });

  it.each([
    [{}, /exactly one of image, file_name or use_current_frame/],
    [{ fileName: 'goal.png', useCurrentFrame: true }, /exactly one/],
    [{ useCurrentFrame: true }, /no camera frame received yet/],
    [{ fileName: '/etc/passwd' }, /must be relative/],
    [{ image: { ...frame(1).image, encoding: 'bayer' } }, /unsupported image encoding 'bayer'/],
  ])('refuses bad goal %#', async (req, message) => {
    const { node } = makeNode();
    const r = await node.setGoal(req);
    expect(r.accepted).toBe(false);
    expect(r.message).toMatch(message);
  });

  it('runs without a model: MODEL_ERROR every cycle, services refuse, nothing crashes', async () => {
    const { node, outputs } = makeNode({}, false);
    node.tick();
    expect(outputs.lastStatus.codeName).toBe('MODEL_ERROR');
    expect(outputs.lastStatus.message).toMatch(/manifest.json not found/);
    expect((await node.setGoal({ fileName: 'goal.png' })).message).toMatch(/no world model loaded/);
  });

  it('rejects an invalid live parameter update and keeps the old values', () => {
    const { node } = makeNode();
    const r = node.updateParameters({ samples: 4, elites: 10 });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/elites \(10\) must not exceed samples \(4\)/);
    expect(node.parameters.samples).toBe(64);
    expect(node.updateParameters({ samples: 128 }).ok).toBe(true);
    expect(node.parameters.samples).toBe(128);
  });

  it('discards a plan that finishes after stop', async () => {
    const { node, outputs } = makeNode({ output_mode: 'pose' });
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    await node.setGoal({ useCurrentFrame: true });
    node.tick();
    node.stop();
    await node.idle();
    expect(outputs.commands.filter((c) => c.kind === 'pose')).toHaveLength(0);
    node.tick();
    expect(outputs.lastStatus.codeName).toBe('HOLDING');
  });

  it('takes the tool pose from joint states through the own forward kinematics when asked', async () => {
    const { node, outputs } = makeNode({ pose_source: 'joints', output_mode: 'pose' });
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100); // ignored
    await node.setGoal({ useCurrentFrame: true });
    node.tick();
    expect(outputs.lastStatus.codeName).toBe('STALE_STATE');
    node.onJointState(
      [...Array(7)].map((_, i) => `fr3_joint${i + 1}`),
      [0, -0.785, 0, -2.356, 0, 1.571, 0.785],
      100,
    );
    node.tick();
    await node.idle();
    const target = outputs.commands.at(-1) as Extract<ArmCommand, { kind: 'pose' }>;
    // The ready pose's tool centre is at about (0.307, 0, 0.487); the target is within one step of it.
    expect(Math.abs(target.pose.position[0] - 0.307)).toBeLessThan(0.08);
    expect(Math.abs(target.pose.position[2] - 0.487)).toBeLessThan(0.08);
  });

  it('needs joint states for joint output, then commands all seven joints', async () => {
    const { node, outputs } = makeNode({ output_mode: 'joint', joint_prefix: 'panda_' });
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    await node.setGoal({ useCurrentFrame: true });
    node.tick();
    expect(outputs.lastStatus.message).toMatch(/joint output needs joint states/);
    const names = [...Array(7)].map((_, i) => `panda_joint${i + 1}`).concat(['panda_finger_joint1']);
    node.onJointState(names, [0, -0.785, 0, -2.356, 0, 1.571, 0.785, 0.04], 100);
    node.tick();
    await node.idle();
    const j = outputs.commands.at(-1) as Extract<ArmCommand, { kind: 'joint' }>;
    expect(j.kind).toBe('joint');
    node.onJointState(names, [0, NaN, 0, -2.356, 0, 1.571, 0.785, 0.04], 100);
    node.tick();
    expect(outputs.lastStatus.message).toMatch(/joint 2 position is NaN/);
    expect(j.names).toEqual(names.slice(0, 7));
    expect(j.positions).toHaveLength(7);
    expect(j.timeFromStartS).toBeCloseTo(0.25, 9);
  });

  it("plans with the model's own settings where the parameters are unset (the defaults), else with theirs", () => {
    const config = (p: Partial<ParamValues>) => resolvePlannerConfig(model.manifest, plannerSettingsOf({ ...defaultParameters(), ...p }));
    const planning = model.manifest.planning;
    const unset = config({});
    expect(defaultParameters().goal_gripper_weight).toBe(-1);
    expect([unset.cem.samples, unset.cem.iterations, unset.cem.elites, unset.cem.horizon]).toEqual([
      planning.samples,
      planning.iterations,
      Math.min(planning.elites, planning.samples),
      planning.horizon,
    ]);
    expect(unset.goalGripperWeight).toBe(planning.goalGripperWeight);
    expect(unset.cem.space.upper).toEqual(planning.upper);
    const set = config({ samples: 40, iterations: 2, elites: 4, max_step_xyz: 0.05, warm_start: 'on' });
    expect([set.cem.samples, set.cem.iterations, set.cem.elites, set.warmStart]).toEqual([40, 2, 4, true]);
    expect(set.cem.space.upper.slice(0, 3)).toEqual([0.05, 0.05, 0.05]);
    expect(config({ goal_gripper_weight: 0 }).goalGripperWeight).toBe(0);
  });

  it('shutdown commands the current pose once more (pose output), drops the plan in flight and then stays silent', async () => {
    const { node, outputs } = makeNode({ output_mode: 'pose' });
    node.onImage(frame(1), 100);
    node.onPose(POSE, 100);
    await node.setGoal({ fileName: 'goal.png' });
    node.tick();
    node.shutdown();
    const after = outputs.commands.length;
    expect(outputs.commands.at(-1)).toMatchObject({ kind: 'pose', pose: POSE });
    expect(outputs.lastStatus).toMatchObject({ codeName: 'HOLDING', message: 'shutting down' });
    await node.idle();
    node.tick();
    expect(outputs.commands).toHaveLength(after);
    expect(outputs.lastStatus.step).toBe(0);
  });

  it('refuses a live update whose planner settings do not fit the model, keeping the old values', () => {
    const { node } = makeNode();
    const r = node.updateParameters({ horizon: 7 });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/horizon 7: model 'test-tiny' has rollout graphs for/);
    expect(node.parameters.horizon).toBe(0);
  });

  describe('exact execution and observation timing', () => {
    function scheduled() {
      const queue: { at: number; fn: () => void }[] = [];
      return { queue, schedule: (at: () => number) => (delayS: number, fn: () => void) => queue.push({ at: at() + delayS, fn }) };
    }

    it('streams delta/period for exactly one period, then one zero twist stamped at its end (a servo integrating the stream moves by the delta)', async () => {
      let now = 100;
      const outputs = new Recorder();
      const timers = scheduled();
      const node = new PlannerNode({
        model,
        params: { ...defaultParameters(), samples: 64, iterations: 3, elites: 8 },
        outputs,
        clock: () => now,
        schedule: timers.schedule(() => now),
        goalDir,
        log,
      });
      node.onImage(frame(1), 100);
      node.onPose(POSE, 100);
      await node.setGoal({ fileName: 'goal.png' });
      now = 100.1;
      node.tick();
      await node.idle();
      const action = outputs.lastStatus.lastAction;
      expect(timers.queue).toHaveLength(1);
      expect(timers.queue[0]!.at).toBeCloseTo(100.35, 9);
      now = 100.2; // a cycle in the middle of the stream keeps it fed
      node.tick();
      now = 100.35;
      timers.queue[0]!.fn();
      now = 100.45; // a later cycle publishes nothing that moves
      node.tick();
      const twists = outputs.commands.filter((c): c is Extract<ArmCommand, { kind: 'twist' }> => c.kind === 'twist' && c.stampS >= 100.1);
      // Integrate the stream as the simulator node does: each twist holds until the next one's stamp.
      const moved = [0, 0, 0];
      twists.forEach((t, k) => {
        const dt = (twists[k + 1]?.stampS ?? t.stampS) - t.stampS;
        for (let i = 0; i < 3; i++) moved[i]! += t.twist.linear[i]! * dt;
      });
      moved.forEach((m, i) => expect(m).toBeCloseTo(action[i]!, 6));
      const start = twists.findIndex((t) => t.twist.linear.some((v) => v !== 0));
      const stop = twists.slice(start).find((t) => t.twist.linear.every((v) => v === 0))!;
      expect(twists[start]!.stampS).toBeCloseTo(100.1, 9);
      expect(stop.stampS).toBeCloseTo(100.35, 9);
      expect(twists.at(-1)!.twist.linear).toEqual([0, 0, 0]);
    });

    it('re-sends the twist at twist_rate_hz during its period (MoveIt Servo), and still moves by the delta', async () => {
      let now = 100;
      const outputs = new Recorder();
      const timers = scheduled();
      const node = new PlannerNode({
        model,
        params: { ...defaultParameters(), samples: 64, iterations: 3, elites: 8, twist_rate_hz: 20 },
        outputs,
        clock: () => now,
        schedule: timers.schedule(() => now),
        goalDir,
        log,
      });
      node.onImage(frame(1), 100);
      node.onPose(POSE, 100);
      await node.setGoal({ fileName: 'goal.png' });
      node.tick();
      await node.idle();
      const action = outputs.lastStatus.lastAction;
      const first = outputs.commands.length;
      for (const t of [...timers.queue].sort((a, b) => a.at - b.at)) {
        now = t.at;
        t.fn();
      }
      const twists = outputs.commands.slice(first - 1).filter((c): c is Extract<ArmCommand, { kind: 'twist' }> => c.kind === 'twist');
      expect(twists.map((t) => Math.round((t.stampS - 100) * 100))).toEqual([0, 5, 10, 15, 20, 25]); // start, 4 re-sends, stop
      const moved = [0, 1, 2].map((i) => twists.reduce((a, t, k) => a + t.twist.linear[i]! * ((twists[k + 1]?.stampS ?? t.stampS) - t.stampS), 0));
      moved.forEach((m, i) => expect(m).toBeCloseTo(action[i]!, 6));
    });

    it('plans only from a frame and a pose stamped after the last command finished plus settle_s, saying so while it waits', async () => {
      const { node, outputs, advance } = makeNode({ settle_s: 0.1 });
      node.onImage(frame(1), 100);
      node.onPose(POSE, 100);
      await node.setGoal({ fileName: 'goal.png' });
      node.tick(); // plans at 100: the command runs until 100.25
      await node.idle();
      expect(outputs.lastStatus.step).toBe(1);
      advance(0.3);
      node.onImage(frame(2), 100.3); // after the command, but within the settle time
      node.onPose(POSE, 100.3);
      node.tick();
      await node.idle();
      expect(outputs.lastStatus.codeName).toBe('WAITING_FOR_OBSERVATION');
      expect(outputs.lastStatus.message).toMatch(/stamped after 100.350 s/);
      expect(outputs.lastStatus.step).toBe(1);
      advance(0.1);
      node.onImage(frame(2), 100.4);
      node.tick(); // the pose is still the early one
      await node.idle();
      expect(outputs.lastStatus.message).toMatch(/waiting for a pose/);
      node.onPose(POSE, 100.4);
      node.tick();
      await node.idle();
      expect(outputs.lastStatus.step).toBe(2);
    });

    it('holds with status PLANNING while a plan is in flight, and never starts a second one', async () => {
      const { node, outputs } = makeNode();
      node.onImage(frame(1), 100);
      node.onPose(POSE, 100);
      await node.setGoal({ fileName: 'goal.png' });
      node.tick();
      expect(node.planInFlight).toBe(true);
      node.tick();
      expect(outputs.lastStatus.codeName).toBe('PLANNING');
      expect(outputs.lastStatus.message).toMatch(/planning from the frame stamped 100.000 s; holding/);
      await node.idle();
      expect(outputs.lastStatus.step).toBe(1);
    });
  });
});
