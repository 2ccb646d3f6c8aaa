/**
 * `scenario --mcap` through the rclnodejs double: a node of the runner's own subscribes to the
 * simulator's and planner's topics; what arrives is written on the same channels as `demo`'s
 * recordings (the planner's topics under its default name), with TF from the poses, each plan's
 * energy from the status and the episode's verdict — read back with the file's own schemas.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { McapStreamReader } from '@mcap/core';
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { createLogger } from '../../src/log.js';
import { McapRecorder } from '../../src/record/mcap-recorder.js';
import { episodeVerdicts, readMcapReport } from '../../src/record/mcap-report.js';
import { scenarioRecorder } from '../../src/record/scenario-recording.js';
import { runScenario } from '../../src/ros/scenario.js';
import { fakeRclnodejs, type FakeNode } from '../ros/fake-rclnodejs.js';

const REST = 0.0225;
const pose = (x: number, y: number, z: number) => ({
  header: { stamp: { sec: 5, nanosec: 0 }, frame_id: 'fr3_link0' },
  pose: { position: { x, y, z }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
});
const status = (step: number, energy: number, subgoal: number, code = 'OK') => ({
  header: { stamp: { sec: 5, nanosec: 0 }, frame_id: '' },
  code: code === 'OK' ? 0 : 9,
  code_name: code,
  message: '',
  energy,
  step,
  subgoal_index: subgoal,
  subgoal_count: 1,
  plan_time_ms: 80,
  last_action: new Float32Array(7),
  provider: 'cpu',
});

/** Every message of a file decoded with the schemas it holds: topic → messages. */
async function decode(path: string): Promise<Map<string, Record<string, unknown>[]>> {
  const reader = new McapStreamReader();
  reader.append(await readFile(path));
  const schemas = new Map<number, MessageReader>();
  const channels = new Map<number, { topic: string; schemaId: number }>();
  const out = new Map<string, Record<string, unknown>[]>();
  for (let r = reader.nextRecord(); r; r = reader.nextRecord()) {
    if (r.type === 'Schema') schemas.set(r.id, new MessageReader(parse(new TextDecoder().decode(r.data), { ros2: true })));
    if (r.type === 'Channel') channels.set(r.id, r);
    if (r.type === 'Message') {
      const c = channels.get(r.channelId) as { topic: string; schemaId: number };
      const list = out.get(c.topic) ?? [];
      list.push((schemas.get(c.schemaId) as MessageReader).readMessage(r.data));
      out.set(c.topic, list);
    }
  }
  expect(reader.done()).toBe(true);
  return out;
}

describe('scenario --mcap (rclnodejs double)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jepa-scenario-mcap-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("records what the graph publishes on demo's channels, with TF, energy and the verdict", async () => {
    const rcl = fakeRclnodejs();
    const createNode = rcl.createNode.bind(rcl);
    const nodes = new Map<string, FakeNode>();
    rcl.createNode = (name: string) => {
      const n = createNode(name) as FakeNode;
      nodes.set(name, n);
      if (name !== 'jepa_mpc_scenario') return n;
      n.createService('jepa_mpc_interfaces/srv/SetGoalSequence', '/planner_x/set_goal_sequence', {}, () => {
        const rec = nodes.get('jepa_mpc_scenario_recorder') as FakeNode;
        // The world as the simulator node publishes it; the planner plans once and is done.
        for (const target of [n, rec]) {
          target.deliver('/sim/current_pose', pose(0.4, 0.1, 0.2));
          target.deliver('/sim/cube_pose', pose(0.5, -0.1, REST));
        }
        rec.deliver('/sim/camera/image_raw', {
          header: { stamp: { sec: 5, nanosec: 0 }, frame_id: 'sim_camera' },
          height: 2,
          width: 2,
          encoding: 'rgb8',
          is_bigendian: 0,
          step: 6,
          data: new Uint8Array(12).fill(7),
        });
        rec.deliver('/planner_x/status', status(1, 0.25, 0));
        rec.deliver('/planner_x/status', status(1, 0.25, 1, 'GOAL_REACHED'));
        n.deliver('/planner_x/status', status(1, 0.25, 1, 'GOAL_REACHED'));
        return { accepted: true, message: 'ok', goal_count: 2 };
      });
      return n;
    };
    const file = join(dir, 'scenario.mcap');
    const mcap = await McapRecorder.create(file, { info: { command: 'scenario' } });
    const goal = { width: 2, height: 2, data: new Uint8Array(12).fill(200) };
    const [verdict] = await runScenario(
      rcl,
      {
        planner: '/planner_x',
        seeds: [4],
        goalsFor: async () => [goal, goal],
        steps: [1, 1],
        periodS: 0.25,
        timeoutS: 5,
        topics: { cube: '/sim/cube_pose', target: '/sim/target_pose', pose: '/sim/current_pose', joints: '/sim/joint_states' },
        cubeRestZ: REST,
        recorder: scenarioRecorder(mcap, { planner: '/planner_x', stageNames: ['grasped', 'placed'] }),
      },
      createLogger('test'),
    );
    await mcap.close();
    expect(nodes.get('jepa_mpc_scenario_recorder')?.destroyed).toBe(true);
    const topics = await decode(file);
    // The planner's topics land under the default planner name, as in every other recording.
    expect((topics.get('/jepa_mpc_planner/status') ?? []).map((m) => m['code_name'])).toEqual(['OK', 'GOAL_REACHED']);
    expect(topics.get('/jepa_mpc_planner/energy')?.map((m) => m['data'])).toEqual([0.25]);
    expect(topics.get('/sim/current_pose')?.[0]).toMatchObject({ pose: { position: { x: 0.4, y: 0.1, z: 0.2 } } });
    expect(Array.from((topics.get('/sim/camera/image_raw')?.[0]?.['data'] as Uint8Array) ?? [])).toEqual(Array(12).fill(7));
    const tf = (topics.get('/tf') ?? []).map((m) => (m['transforms'] as { child_frame_id: string }[])[0]?.child_frame_id);
    expect(tf).toEqual(['fr3_hand_tcp', 'cube']);
    // The first stage's goal image at the start, the second's when the status moves on.
    expect(topics.get('/jepa_mpc_planner/goal_image')).toHaveLength(2);
    const report = await readMcapReport(file);
    expect(episodeVerdicts(report)).toEqual([expect.objectContaining({ seed: '4', success: String(verdict?.success), steps: '1' })]);
  });

  it("records the node's latent distance from the action's feedback, once per plan and episode by episode", async () => {
    const file = join(dir, 'feedback.mcap');
    const mcap = await McapRecorder.create(file, { info: { command: 'scenario' } });
    const rec = scenarioRecorder(mcap, { planner: '/jepa_mpc_planner', stageNames: ['placed'] });
    const goal = { width: 2, height: 2, data: new Uint8Array(12).fill(200) };
    rec.begin(0, [goal], 1);
    rec.feedback?.({ steps: 1, latent_distance: 0.5 }, 2);
    rec.feedback?.({ steps: 1, latent_distance: 0.4 }, 2.1); // the same plan's feedback again: not a new plan
    rec.feedback?.({ steps: 2, latent_distance: NaN }, 2.2); // nothing to record
    rec.feedback?.({ steps: 3, latent_distance: 0.3 }, 2.3);
    rec.begin(1, [goal], 3); // the next episode counts its steps from 0 again
    rec.feedback?.({ steps: 1, latent_distance: 0.9 }, 4);
    // Scene markers once the target is known: the cube and the target disc where the topics put them.
    rec.message('/sim/cube_pose', pose(0.5, -0.1, REST), 4.1);
    rec.message('/sim/target_pose', pose(0.6, 0.2, 0.0), 4.2);
    rec.message('/sim/cube_pose', pose(0.55, -0.1, REST), 4.3);
    await mcap.close();
    const topics = await decode(file);
    expect(topics.get('/jepa_mpc_planner/latent_distance')?.map((m) => m['data'])).toEqual([0.5, 0.3, 0.9]);
    const markers = (topics.get('/sim/scene_markers') ?? []).map((m) => m['markers'] as { pose: { position: { x: number; y: number } } }[]);
    expect(markers).toHaveLength(1);
    expect(markers[0]?.map((k) => [k.pose.position.x, k.pose.position.y])).toEqual([
      [0.55, -0.1],
      [0.6, 0.2],
    ]);
  });
});
