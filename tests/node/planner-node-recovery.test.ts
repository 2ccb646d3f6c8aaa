/**
 * Issue 20: the planner node with a model whose worker crashes or hangs mid-task. The node holds
 * the arm with MODEL_ERROR while the worker is restarted, then plans toward the same goal again
 * (re-uploaded by the model, not set again by the user); a worker given up on keeps it holding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PlannerStatus } from '../../src/core/status.js';
import { createLogger } from '../../src/log.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { defaultParameters } from '../../src/node/parameters.js';
import { PlannerNode } from '../../src/node/planner-node.js';
import type { ArmCommand, NodeOutputs, StatusReport } from '../../src/node/ports.js';
import { modelDir } from '../../src/paths.js';
import type { ToolPose } from '../../src/robot/commands.js';

const POSE: ToolPose = { position: [0.5, 0, 0.3], orientation: { x: 1, y: 0, z: 0, w: 0 } };
const log = createLogger('node-recovery-test');

function frame(seed: number) {
  const data = Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7 + seed * 13) % 251);
  return { kind: 'raw' as const, image: { width: 32, height: 32, encoding: 'rgb8', step: 96, data } };
}

/** A node on a real clock-free harness: `cycle()` feeds fresh inputs one period later and ticks. */
function harness(model: OnnxWorldModel) {
  let now = 10;
  const statuses: StatusReport[] = [];
  const commands: ArmCommand[] = [];
  const outputs: NodeOutputs = { command: (c) => commands.push(c), gripper: () => undefined, status: (s) => statuses.push(s), planPath: () => undefined };
  const node = new PlannerNode({
    model,
    params: { ...defaultParameters(), output_mode: 'pose', propose_stages: false, samples: 32, iterations: 2, elites: 4, settle_s: 0 },
    outputs,
    clock: () => now,
    goalDir: '/nonexistent',
    log,
  });
  const cycle = async (seed: number) => {
    now += node.periodS;
    node.onImage(frame(seed), now);
    node.onPose(POSE, now);
    node.tick();
    await node.idle();
  };
  return { node, statuses, commands, cycle };
}

describe('PlannerNode with a failing model worker', () => {
  let model: OnnxWorldModel | undefined;
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  it.each(['crash', 'hang'] as const)('after a worker %s: holds with MODEL_ERROR, restarts, and goes on planning toward the same goal', async (fault) => {
    model = await OnnxWorldModel.load(modelDir('test-tiny'), { runTimeoutMs: 400, logger: log });
    const { node, statuses, commands, cycle } = harness(model);
    expect((await node.setGoal({ image: frame(99).image })).accepted).toBe(true);
    for (let i = 0; i < 3; i++) await cycle(i);
    expect(statuses.at(-1)?.step).toBe(3);

    model.injectFault(fault);
    await cycle(3); // this plan fails: the worker is gone or never answers
    expect(statuses.at(-1)?.codeName).toBe('MODEL_ERROR');
    expect(statuses.at(-1)?.step).toBe(3);
    // While the worker restarts, every cycle holds the arm at the current pose and says why.
    const held = commands.length;
    expect(model.health.state).toBe('restarting'); // a fresh worker takes ~0.5 s to load; the cycles below take none
    await cycle(4);
    expect(statuses.at(-1)).toMatchObject({ codeName: 'MODEL_ERROR', message: expect.stringMatching(/model worker being restarted/) });
    expect(commands.length).toBeGreaterThan(held);
    expect(commands.slice(held).every((c) => c.kind === 'pose' && c.pose.position[2] === POSE.position[2])).toBe(true);
    await model.ready();
    expect(model.health.restarts).toBe(1);
    // Back: the same goal is planned toward (no new SetGoal), steps go on counting.
    for (let i = 5; i < 8 && (statuses.at(-1)?.step ?? 0) < 4; i++) await cycle(i);
    const last = statuses.at(-1) as StatusReport;
    expect([PlannerStatus.OK, PlannerStatus.ACTION_CLAMPED]).toContain(last.code);
    expect(last.step).toBeGreaterThanOrEqual(4);
    expect(last.subgoalCount).toBe(1);
  });

  it('holds for good, saying so, once the model gives up on its worker', async () => {
    model = await OnnxWorldModel.load(modelDir('test-tiny'), { maxRestarts: 0, logger: log });
    const { node, statuses, commands, cycle } = harness(model);
    expect((await node.setGoal({ image: frame(98).image })).accepted).toBe(true);
    await cycle(0);
    model.injectFault('crash');
    await cycle(1);
    await expect(model.ready()).rejects.toThrow(/giving up/);
    const before = commands.length;
    await cycle(2);
    await cycle(3);
    expect(statuses.at(-1)).toMatchObject({ codeName: 'MODEL_ERROR', message: expect.stringMatching(/given up after repeated failures/) });
    expect(commands.slice(before).every((c) => c.kind === 'pose')).toBe(true);
  });
});
