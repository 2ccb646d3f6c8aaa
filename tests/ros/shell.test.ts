/**
 * The ROS shell through an rclnodejs-shaped double: parameters declared from the schema with
 * descriptors and params-file overrides, sensor-data QoS, message conversion in and out, services
 * and live parameter updates — with the real test world model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PlannerStatus } from '../../src/core/status.js';
import { createLogger } from '../../src/log.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { PARAMETERS, defaultParameters } from '../../src/node/parameters.js';
import { modelDir, projectRoot } from '../../src/paths.js';
import { statusConstants, timeToSeconds } from '../../src/ros/convert.js';
import { loadPlannerModel, startPlannerShell, type PlannerShell } from '../../src/ros/shell.js';
import { NAMES } from '../../src/ros/topics.js';
import { type FakeNode, fakeRclnodejs } from './fake-rclnodejs.js';

const log = createLogger('test');

/** A sensor_msgs/Image as rclnodejs delivers it. */
function imageMsg(width = 64, height = 48, encoding = 'bgr8', pad = 4, asArray = false) {
  const step = width * 3 + pad;
  const data = new Uint8Array(step * height);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 256;
  return {
    header: { stamp: { sec: 1000, nanosec: 5 }, frame_id: 'camera' },
    height,
    width,
    encoding,
    is_bigendian: 0,
    step,
    data: asArray ? Array.from(data) : data,
  };
}
const POSE_MSG = {
  header: { stamp: { sec: 1000, nanosec: 0 }, frame_id: 'fr3_link0' },
  pose: { position: { x: 0.5, y: 0, z: 0.3 }, orientation: { x: 1, y: 0, z: 0, w: 0 } },
};

describe('ROS shell (rclnodejs double)', () => {
  let shell: PlannerShell | undefined;
  afterEach(async () => {
    await shell?.close();
    shell = undefined;
  });

  async function start(overrides: Record<string, unknown> = {}, loadModel?: () => Promise<never>) {
    const rcl = fakeRclnodejs({ samples: 64n, iterations: 3n, elites: 8n, gripper_mode: 'joint', ...overrides });
    shell = await startPlannerShell(rcl, { log, loadModel: loadModel ?? (() => OnnxWorldModel.load(modelDir('test-tiny'))) });
    return rcl.nodes[0] as FakeNode;
  }

  it('declares every schema parameter with its type, description, range and read-only flag; params-file values win', async () => {
    const node = await start({ control_rate_hz: 5 });
    expect([...node.parameters.keys()].sort()).toEqual(Object.keys(PARAMETERS).sort());
    const samples = node.descriptors.get('samples') as unknown as { type: number; description: string; range: { from: bigint; to: bigint } };
    expect(samples.type).toBe(2);
    expect(samples.range.from).toBe(0n); // 0 = the model's value
    expect(samples.description).toMatch(
      /Candidate action sequences per iteration; 0 = the model's value \(its manifest's planning block\)\. Range \[0, 100000\]/,
    );
    expect((node.descriptors.get('provider') as unknown as { readOnly: boolean }).readOnly).toBe(true);
    expect(node.timers[0]?.periodNs).toBe(200_000_000n); // 5 Hz from the override
    expect(shell?.planner.parameters.samples).toBe(64);
  });

  it('shuts down during a plan at once: a zero twist, HOLDING, the worker ended, nothing published after', async () => {
    const node = await start({ samples: 800n, iterations: 10n, elites: 10n });
    node.deliver(NAMES.image, imageMsg());
    node.deliver(NAMES.pose, POSE_MSG);
    await node.call(NAMES.setGoal, { image: imageMsg(32, 32, 'rgb8', 0, true), file_name: '', use_current_frame: false });
    node.tick(); // a plan starts in the worker
    expect(shell?.planner.planInFlight).toBe(true);
    const t0 = performance.now();
    await shell?.close();
    const closeMs = performance.now() - t0;
    const planning = shell?.planner.idle();
    shell = undefined;
    const published = [node.messages(NAMES.status).length, node.messages(NAMES.twist).length];
    await planning; // the dropped plan ends (its model was closed) without acting
    expect([node.messages(NAMES.status).length, node.messages(NAMES.twist).length]).toEqual(published);
    expect(closeMs).toBeLessThan(1000);
    const twist = node.messages(NAMES.twist).at(-1) as { twist: { linear: { x: number; y: number; z: number } } };
    expect([twist.twist.linear.x, twist.twist.linear.y, twist.twist.linear.z]).toEqual([0, 0, 0]);
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code_name: 'HOLDING', message: 'shutting down', step: 0 });
    expect(node.destroyed).toBe(true);
  });

  it('refuses to start with invalid start-up parameters, naming them', async () => {
    await expect(start({ output_mode: 'velocity' })).rejects.toThrow(/output_mode must be one of twist\|pose\|joint, got 'velocity'/);
  });

  it('subscribes with sensor-data QoS and plans from rclnodejs-shaped messages to a TwistStamped', async () => {
    const node = await start();
    expect(node.subscriptions.get(NAMES.image)?.options.qos).toBe('qos_profile_sensor_data');
    expect(node.subscriptions.get(NAMES.pose)?.options.qos).toBe('qos_profile_sensor_data');
    node.deliver(NAMES.image, imageMsg());
    node.deliver(NAMES.pose, POSE_MSG);
    const res = await node.call(NAMES.setGoal, { image: imageMsg(32, 32, 'rgb8', 0, true), file_name: '', use_current_frame: false });
    expect(res).toMatchObject({ accepted: true });
    expect(Number.isFinite(res['latent_distance'] as number)).toBe(true);
    node.tick();
    await shell?.planner.idle();
    const twists = node.messages(NAMES.twist);
    const last = twists.at(-1) as { header: { frame_id: string; stamp: { sec: number; nanosec: number } }; twist: { linear: { x: number } } };
    expect(last.header.frame_id).toBe('fr3_link0');
    expect(timeToSeconds(last.header.stamp)).toBeCloseTo(1000, 6);
    const status = node.messages(NAMES.status).at(-1) as { code: number; code_name: string; step: number; last_action: number[]; provider: string };
    expect([PlannerStatus.OK, PlannerStatus.ACTION_CLAMPED]).toContain(status.code);
    expect(status.step).toBe(1);
    expect(last.twist.linear.x).toBeCloseTo((status.last_action[0] as number) * 4, 4);
    expect(status.provider).toBe('cpu');
    expect(node.messages(NAMES.planPath).at(-1)).toMatchObject({ type: 4, header: { frame_id: 'fr3_link0' } });
  });

  it('answers a path-escaping goal file and a bad image with accepted=false; the node keeps running', async () => {
    const node = await start();
    const escape = await node.call(NAMES.setGoal, {
      image: { ...imageMsg(0, 0), data: new Uint8Array(0) },
      file_name: '../../etc/passwd',
      use_current_frame: false,
    });
    expect(escape).toMatchObject({ accepted: false });
    expect(escape['message']).toMatch(/outside the goal folder/);
    const bad = await node.call(NAMES.setGoal, { image: imageMsg(4, 4, '32FC1'), file_name: '', use_current_frame: false });
    expect(bad['message']).toMatch(/unsupported image encoding '32FC1'/);
    const seq = await node.call(NAMES.setGoalSequence, {
      images: [imageMsg(8, 8, 'rgb8', 0)],
      file_names: [],
      max_steps: Uint32Array.from([0]),
      energy_thresholds: new Float32Array(0),
    });
    expect(seq).toMatchObject({ accepted: false, goal_count: 0 });
    node.tick();
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code_name: 'WAITING_FOR_GOAL' });
  });

  it('accepts a goal sequence with typed-array budgets and reports the subgoal count', async () => {
    const node = await start();
    const r = await node.call(NAMES.setGoalSequence, {
      images: [imageMsg(16, 16), imageMsg(16, 16, 'rgb8'), imageMsg(16, 16, 'mono8')],
      file_names: [],
      max_steps: Uint32Array.from([4, 10, 4]),
      energy_thresholds: new Float32Array(0),
    });
    expect(r).toMatchObject({ accepted: true, goal_count: 3 });
    node.tick();
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ subgoal_count: 3, code_name: 'STALE_IMAGE' });
  });

  it('applies valid live parameter updates and rejects invalid ones with a reason', async () => {
    const node = await start();
    const cb = node.paramCallbacks[0] as (p: { name: string; type: number; value: unknown }[]) => { successful: boolean; reason: string };
    expect(
      cb([
        { name: 'samples', type: 2, value: 4n },
        { name: 'elites', type: 2, value: 10n },
      ]),
    ).toEqual({ successful: false, reason: expect.stringMatching(/elites \(10\) must not exceed samples \(4\)/) });
    expect(shell?.planner.parameters.samples).toBe(64);
    expect(cb([{ name: 'workspace_min', type: 8, value: Float64Array.from([0.3, -0.4, 0.05]) }]).successful).toBe(true);
    expect(shell?.planner.parameters.workspace_min).toEqual([0.3, -0.4, 0.05]);
  });

  it('keeps running without a model: MODEL_ERROR statuses and refused services', async () => {
    const node = await start({}, () => Promise.reject(new Error('no world-model manifest at /nowhere/manifest.json')));
    node.tick();
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code: PlannerStatus.MODEL_ERROR, provider: 'none' });
    const r = await node.call(NAMES.setGoal, { image: imageMsg(), file_name: '', use_current_frame: false });
    expect(r['message']).toMatch(/no world model loaded: no world-model manifest/);
    expect(node.messages(NAMES.twist).at(-1)).toMatchObject({ twist: { linear: { x: 0, y: 0, z: 0 } } });
  });

  it('stop, start and clear_goal answer as std_srvs/Trigger', async () => {
    const node = await start();
    expect(await node.call(NAMES.stop, {})).toEqual({ success: true, message: 'holding' });
    node.tick();
    expect(node.messages(NAMES.status).at(-1)).toMatchObject({ code_name: 'HOLDING' });
    expect((await node.call(NAMES.start, {}))['success']).toBe(true);
    expect((await node.call(NAMES.clearGoal, {}))['success']).toBe(true);
  });
});

describe('the default model loader (model_dir, model_precision)', () => {
  it.each([
    ['', '', 'sim-jepa-ac', 'int8'], // the shipped default plans with int8 rollouts
    ['', 'fp32', 'sim-jepa-ac', 'fp32'],
    [modelDir('test-tiny'), '', 'test-tiny', 'fp32'],
    [modelDir('test-tiny'), 'int8', 'test-tiny', 'int8'],
  ] as const)('model_dir %j, model_precision %j → %s at %s', async (dir, precision, name, expected) => {
    const model = await loadPlannerModel({ ...defaultParameters(), model_dir: dir, model_precision: precision });
    try {
      expect(model.manifest).toMatchObject({ name, precision: expected });
    } finally {
      await model.close();
    }
  });

  it('a folder without that precision: the load fails with the one-line list (the shell then reports MODEL_ERROR)', async () => {
    await expect(loadPlannerModel({ ...defaultParameters(), model_dir: modelDir('test-tiny'), model_precision: 'fp16-weights' })).rejects.toThrow(
      /^model folder \S+\/test-tiny has no fp16-weights manifest; its precisions: fp32 \(manifest.json\), int8 \(manifest-int8.json\)$/,
    );
  });
});

describe('interfaces package', () => {
  it('PlannerStatus.msg carries exactly the status codes of src/core/status.ts', () => {
    const msg = readFileSync(join(projectRoot(), 'msg', 'msg', 'PlannerStatus.msg'), 'utf8');
    const constants = msg
      .split('\n')
      .filter((l) => /^uint8 [A-Z_]+=\d+$/.test(l))
      .join('\n');
    expect(constants).toBe(statusConstants());
  });
});

describe('send-goal client', () => {
  it('sends a PNG-sized goal image to the set_goal service and a sequence to set_goal_sequence', async () => {
    const { sendGoal } = await import('../../src/ros/send-goal.js');
    const rcl = fakeRclnodejs({ samples: 64n, iterations: 3n, elites: 8n, gripper_mode: 'joint' });
    const shell = await startPlannerShell(rcl, { log, loadModel: () => OnnxWorldModel.load(modelDir('test-tiny')) });
    try {
      // The client's node shares the fake graph with the planner's: route its calls to the planner node.
      const planner = rcl.nodes[0] as FakeNode;
      rcl.createNode = () => planner;
      const img = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(120) };
      const single = await sendGoal(rcl, '~', { kind: 'single', image: img }, 1000);
      expect(single).toMatchObject({ accepted: true });
      const seq = await sendGoal(rcl, '~', { kind: 'sequence', images: [img, img], steps: [2, 3], thresholds: [] }, 1000);
      expect(seq).toMatchObject({ accepted: true, goal_count: 2 });
    } finally {
      rcl.createNode = () => {
        throw new Error('closed');
      };
      await shell.close();
    }
  });
});
