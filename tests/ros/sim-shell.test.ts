/**
 * The simulator node and the planner node wired together through rclnodejs-shaped doubles (the
 * messages each publishes are delivered to the other's subscriptions, as DDS would): camera
 * frames and poses flow to the planner, its TwistStamped commands move the simulated arm.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { startPlannerShell, type PlannerShell } from '../../src/ros/shell.js';
import { startSimShell, type SimShell } from '../../src/ros/sim-shell.js';
import { NAMES, SIM_NAMES } from '../../src/ros/topics.js';
import { type FakeNode, fakeRclnodejs } from './fake-rclnodejs.js';

const log = createLogger('test');

describe('simulator node + planner node over ROS doubles', () => {
  let sim: SimShell | undefined;
  let planner: PlannerShell | undefined;
  afterEach(async () => {
    await planner?.close();
    sim?.close();
  });

  it('publishes the camera, pose, joints and task; executes the planner’s twist commands', async () => {
    const rcl = fakeRclnodejs({ image_size: 64n, samples: 64n, iterations: 3n, elites: 8n, gripper_mode: 'joint' });
    sim = await startSimShell(rcl, { log });
    planner = await startPlannerShell(rcl, { log, loadModel: () => OnnxWorldModel.load(modelDir('test-tiny')) });
    const [simNode, planNode] = rcl.nodes as [FakeNode, FakeNode];
    const image = simNode.messages(SIM_NAMES.image).at(-1) as { width: number; encoding: string; data: Uint8Array; step: number };
    expect([image.width, image.encoding, image.step, image.data.length]).toEqual([64, 'rgb8', 192, 64 * 64 * 3]);
    const joints = simNode.messages(SIM_NAMES.jointStates).at(-1) as { name: string[]; position: number[] };
    expect(joints.name).toHaveLength(9);
    expect(JSON.parse((simNode.messages(SIM_NAMES.task).at(-1) as { data: string }).data)).toMatchObject({ name: 'pick-place', success: false });

    const relay = () => {
      planNode.deliver(NAMES.image, simNode.messages(SIM_NAMES.image).at(-1) as object);
      planNode.deliver(NAMES.pose, simNode.messages(SIM_NAMES.pose).at(-1) as object);
      planNode.deliver(NAMES.jointStates, simNode.messages(SIM_NAMES.jointStates).at(-1) as object);
    };
    relay();
    const goal = await planNode.call(NAMES.setGoal, {
      image: { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, height: 0, width: 0, encoding: '', is_bigendian: 0, step: 0, data: new Uint8Array(0) },
      file_name: '',
      use_current_frame: true,
    });
    expect(goal['accepted']).toBe(true);

    const start = (simNode.messages(SIM_NAMES.pose).at(-1) as { pose: { position: { x: number; y: number; z: number } } }).pose.position;
    planNode.tick();
    await planner.planner.idle();
    const twist = planNode.messages(NAMES.twist).at(-1) as { twist: { linear: { x: number; y: number; z: number } } };
    simNode.deliver(SIM_NAMES.twist, twist);
    // One control period later: the twist (stamped when the plan finished) has held for exactly a period.
    simNode.nowNs += 250_000_000n;
    sim.step();
    const end = (simNode.messages(SIM_NAMES.pose).at(-1) as { pose: { position: { x: number; y: number; z: number } } }).pose.position;
    const status = planNode.messages(NAMES.status).at(-1) as { last_action: number[] };
    // The frame and pose after the step are stamped at the end of the simulated period.
    const stamp = (simNode.messages(SIM_NAMES.pose).at(-1) as { header: { stamp: { sec: number; nanosec: number } } }).header.stamp;
    expect(stamp.sec + stamp.nanosec * 1e-9).toBeCloseTo(1000.25, 6);
    // The simulated tool moved by the planner's executed action (within tracking error).
    expect(end.x - start.x).toBeCloseTo(status.last_action[0] as number, 2);
    expect(end.y - start.y).toBeCloseTo(status.last_action[1] as number, 2);
    expect(end.z - start.z).toBeCloseTo(status.last_action[2] as number, 2);
  });

  it("draws shadows when its 'shadows' parameter is true (the same frame, darker only)", async () => {
    const frame = async (shadows: boolean) => {
      const rcl = fakeRclnodejs({ image_size: 64n, shadows });
      const shell = await startSimShell(rcl, { log });
      shell.close();
      return ((rcl.nodes[0] as FakeNode).messages(SIM_NAMES.image).at(-1) as { data: Uint8Array }).data;
    };
    const plain = await frame(false);
    const shaded = await frame(true);
    let darker = 0;
    for (let i = 0; i < plain.length; i++) {
      expect(shaded[i]).toBeLessThanOrEqual(plain[i] as number);
      if ((shaded[i] as number) < (plain[i] as number)) darker++;
    }
    expect(darker).toBeGreaterThan(60);
  });

  it("takes a live seed inside its range and refuses one outside it with the schema's reason", async () => {
    const rcl = fakeRclnodejs({ image_size: 64n });
    const shell = await startSimShell(rcl, { log });
    try {
      const cb = (rcl.nodes[0] as FakeNode).paramCallbacks[0] as (p: { name: string; type: number; value: unknown }[]) => {
        successful: boolean;
        reason: string;
      };
      expect(cb([{ name: 'seed', type: 2, value: 7n }])).toEqual({ successful: true, reason: '' });
      expect(cb([{ name: 'seed', type: 2, value: -1n }])).toEqual({ successful: false, reason: 'seed must be in [0, 2147483647], got -1' });
    } finally {
      shell.close();
    }
  });

  it('refuses start-up parameters outside its schema, naming each', async () => {
    await expect(startSimShell(fakeRclnodejs({ task: 'juggle' }), { log })).rejects.toThrow(/task must be one of reach\|grasp\|pick-place, got 'juggle'/);
    await expect(startSimShell(fakeRclnodejs({ image_size: 10, control_period_s: 0 }), { log })).rejects.toThrow(
      /image_size must be in \[64, 256\] px, got 10; control_period_s must be in \[0.01, 10\] s, got 0/,
    );
  });
});
