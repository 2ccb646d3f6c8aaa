/**
 * MCAP recordings of planned episodes: a seeded short episode of the real loop (test model, the
 * MuJoCo tabletop) recorded to a file, read back through the file's own index and decoded with the
 * schemas the file embeds — never the project's definitions — as Foxglove would; its poses, energies
 * and statuses checked against the loop's own records; `inspect` on the file, on a copy cut in the
 * middle and on a file that is not MCAP.
 */
import { copyFile, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { TabletopSim } from '../../sim/tabletop.js';
import { CEM_DEFAULTS } from '../../src/core/cem.js';
import { PLANNER_DEFAULTS, type PlannerConfig } from '../../src/core/mpc.js';
import { PlannerStatus } from '../../src/core/status.js';
import { runPlannedEpisode, type PlannedEpisode } from '../../src/loop/episode.js';
import { expertGoals, type GoalSet } from '../../src/loop/goals.js';
import { runThroughNodeEpisode } from '../../src/loop/through-node.js';
import { createLogger } from '../../src/log.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir, projectRoot } from '../../src/paths.js';
import { CHANNELS } from '../../src/record/channels.js';
import { McapRecorder } from '../../src/record/mcap-recorder.js';
import { QOS_METADATA_KEY } from '../../src/record/qos.js';
import { episodeVerdicts, readMcapReport } from '../../src/record/mcap-report.js';
import { main as inspectMain } from '../../src/cli/inspect.js';

const SMALL_CEM: PlannerConfig = { ...PLANNER_DEFAULTS, cem: { ...CEM_DEFAULTS, samples: 32, iterations: 2, elites: 4 } };
const SIM = { task: 'pick-place' as const, camera: { width: 64, height: 64 } };
const SEED = 5;
/** Small chunks, so a copy cut in the middle still holds whole chunks of messages. */
const CHUNK_BYTES = 32 * 1024;
const NS = 1e9;

interface Decoded {
  readonly topic: string;
  readonly schema: string;
  readonly logTime: bigint;
  readonly msg: Record<string, unknown>;
}

/** Every message of a file, through its summary's index, decoded with the schemas the file holds. */
async function decodeAll(path: string): Promise<{ messages: Decoded[]; statistics: bigint; channels: number }> {
  const handle = await open(path, 'r');
  try {
    const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
    const decoders = new Map<number, MessageReader>();
    for (const [id, schema] of reader.schemasById) {
      expect(schema.encoding).toBe('ros2msg');
      decoders.set(id, new MessageReader(parse(new TextDecoder().decode(schema.data), { ros2: true })));
    }
    const messages: Decoded[] = [];
    for await (const m of reader.readMessages()) {
      const channel = reader.channelsById.get(m.channelId);
      const schema = channel && reader.schemasById.get(channel.schemaId);
      expect(channel?.messageEncoding).toBe('cdr');
      const decoder = schema && decoders.get(schema.id);
      if (!channel || !schema || !decoder) throw new Error(`message on channel ${m.channelId} without a schema`);
      messages.push({ topic: channel.topic, schema: schema.name, logTime: m.logTime, msg: decoder.readMessage(m.data) });
    }
    return { messages, statistics: reader.statistics?.messageCount ?? -1n, channels: reader.channelsById.size };
  } finally {
    await handle.close();
  }
}

const seconds = (t: bigint) => Number(t) / NS;
const on = (all: Decoded[], key: keyof typeof CHANNELS) => all.filter((m) => m.topic === CHANNELS[key].topic);

describe('an episode recorded to MCAP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jepa-mcap-'));
  const file = join(dir, 'episode.mcap');
  let model: OnnxWorldModel;
  let goals: GoalSet;
  let episode: PlannedEpisode;
  let decoded: Awaited<ReturnType<typeof decodeAll>>;

  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('test-tiny'));
    goals = await expertGoals(SIM, 'pick-place', SEED);
    const sim = await TabletopSim.create(SIM);
    const recorder = await McapRecorder.create(file, { info: { command: 'test', model: model.manifest.name }, chunkBytes: CHUNK_BYTES });
    try {
      episode = await runPlannedEpisode(sim, model, goals, { seed: SEED, planner: SMALL_CEM, subgoalSteps: [3, 3, 2], stopOnSuccess: false, recorder });
    } finally {
      await recorder.close();
      sim.close();
    }
    decoded = await decodeAll(file);
  }, 120_000);
  afterAll(async () => {
    await model.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => vi.restoreAllMocks());

  it('decodes every message with the schemas the file embeds, as the index lists them', () => {
    expect(episode.steps).toBe(8);
    expect(BigInt(decoded.messages.length)).toBe(decoded.statistics);
    expect(decoded.channels).toBeGreaterThanOrEqual(8);
    for (const key of ['image', 'pose', 'cubePose', 'tf', 'twist', 'planPath', 'sceneMarkers', 'energy', 'latentDistance', 'status', 'goalImage'] as const)
      expect(on(decoded.messages, key).length, key).toBeGreaterThan(0);
    for (const m of decoded.messages) expect(m.schema).toBe(Object.values(CHANNELS).find((c) => c.topic === m.topic)?.type);
    const frame = on(decoded.messages, 'image')[0]?.msg as { width: number; height: number; encoding: string; data: Uint8Array };
    expect(frame).toMatchObject({ width: 64, height: 64, encoding: 'rgb8' });
    expect(frame.data).toHaveLength(64 * 64 * 3);
  });

  it('offers each channel with the QoS its node publishes it with, as rosbag2 writes it (MCAP ros2 profile)', async () => {
    const handle = await open(file, 'r');
    try {
      const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
      const qos = new Map([...reader.channelsById.values()].map((c) => [c.topic, c.metadata.get(QOS_METADATA_KEY)]));
      expect([...qos.values()].every((q) => q !== undefined)).toBe(true);
      expect(qos.get(CHANNELS.image.topic)).toContain('- history: keep_last\n  depth: 5\n  reliability: best_effort\n  durability: volatile\n');
      expect(qos.get(CHANNELS.status.topic)).toContain('depth: 10\n  reliability: reliable\n');
      expect(qos.get(CHANNELS.tf.topic)).toContain('depth: 100\n');
      expect(qos.get(CHANNELS.energy.topic)).toContain('  deadline:\n    sec: 9223372036\n    nsec: 854775807\n');
    } finally {
      await handle.close();
    }
  });

  it("holds the loop's records: the tool pose after each step, each plan's energy, each status", () => {
    const period = model.manifest.controlPeriodS;
    const poses = new Map(on(decoded.messages, 'pose').map((m) => [m.logTime, m.msg as { pose: { position: { x: number; y: number; z: number } } }]));
    const energies = new Map(on(decoded.messages, 'energy').map((m) => [m.logTime, (m.msg as { data: number }).data]));
    // The statuses of executed steps, in order: one per record.
    const executed = on(decoded.messages, 'status').filter((m, i, all) => {
      const step = (m.msg as { step: number }).step;
      return step > 0 && step !== ((all[i - 1]?.msg as { step: number } | undefined)?.step ?? 0);
    });
    expect(executed).toHaveLength(episode.records.length);
    executed.forEach((m, k) => {
      const r = episode.records[k];
      const status = m.msg as { code: number; code_name: string; energy: number; step: number; subgoal_count: number; last_action: Float32Array };
      expect(status.step).toBe(r?.step);
      expect(status.code).toBe(r?.status);
      expect(status.code_name).toBe(Object.entries(PlannerStatus).find(([, c]) => c === r?.status)?.[0]);
      expect(status.energy).toBeCloseTo(r?.energy ?? NaN, 5); // float32 in the message
      expect(Array.from(status.last_action)).toEqual(Array.from(r?.action ?? []));
      expect(status.subgoal_count).toBe(3);
      expect(energies.get(m.logTime)).toBe(r?.energy); // float64: exact
      // The world one control period after the plan shows the tool where the loop recorded it.
      const after = poses.get(m.logTime + BigInt(Math.round(period * NS)));
      expect(after, `pose after step ${k + 1}`).toBeDefined();
      expect([after?.pose.position.x, after?.pose.position.y, after?.pose.position.z]).toEqual(r?.tool);
    });
    // The twist the node would send for each step: delta / period, then a zero twist a period later.
    const twists = on(decoded.messages, 'twist').map((m) => m.msg as { twist: { linear: { x: number } } });
    expect(twists).toHaveLength(2 * episode.records.length);
    expect(twists[0]?.twist.linear.x).toBeCloseTo((episode.records[0]?.action[0] ?? NaN) / period, 6);
    expect(twists[1]?.twist.linear.x).toBe(0);
    // Log time is simulated time: the last world snapshot is at the simulator's last step.
    expect(seconds(on(decoded.messages, 'pose').at(-1)?.logTime ?? 0n)).toBeCloseTo(episode.steps * period, 9);
  });

  it('shows the goal image of each stage when it becomes active', () => {
    const goalImages = on(decoded.messages, 'goalImage');
    expect(goalImages.map((m) => seconds(m.logTime))).toEqual([0, ...episode.switches.filter((s) => s < episode.steps).map((s) => s * 0.25)]);
    expect((goalImages[0]?.msg as { data: Uint8Array }).data).toEqual(goals.frames[0]?.data);
  });

  it('inspect: ≥ 8 channels with ros2msg schemas, the duration and the verdict', async () => {
    const report = await readMcapReport(file);
    expect(report).toMatchObject({ complete: true, profile: 'ros2', messages: decoded.messages.length });
    expect(report.channels.length).toBeGreaterThanOrEqual(8);
    for (const c of report.channels) expect(c).toMatchObject({ schemaEncoding: 'ros2msg', messageEncoding: 'cdr' });
    expect(report.channels.find((c) => c.topic === '/jepa_mpc_planner/status')?.schema).toBe('jepa_mpc_interfaces/msg/PlannerStatus');
    expect(episodeVerdicts(report)).toEqual([
      expect.objectContaining({ seed: String(SEED), success: String(episode.success), steps: String(episode.steps), task: 'pick-place' }),
    ]);
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    expect(await inspectMain([file])).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/complete/);
    expect(text).toMatch(/\/sim\/camera\/image_raw\s+sensor_msgs\/msg\/Image \(ros2msg\)\s+cdr\s+\d+/);
    expect(text).toMatch(new RegExp(`duration ${(episode.steps * 0.25).toFixed(3)} s`));
    expect(text).toMatch(episode.success ? /success at step/ : /failure/);
  });

  it('inspect --layout: which topics the shipped Foxglove layout reads are in the file', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    expect(await inspectMain([file, '--layout', join(projectRoot(), 'docs', 'foxglove-layout.json'), '--json'])).toBe(0);
    const { layout } = JSON.parse(out.join('')) as { layout: { present: string[]; missing: string[] } };
    // The direct loop (twist output, front camera only) fills every panel but the pose-target and hand-camera ones.
    expect(layout.missing).toEqual([CHANNELS.poseTarget.topic, CHANNELS.wristImage.topic].sort());
    expect(layout.present).toEqual(
      expect.arrayContaining([CHANNELS.image.topic, CHANNELS.status.topic, CHANNELS.latentDistance.topic, CHANNELS.sceneMarkers.topic]),
    );
    const notLayout = join(dir, 'not-layout.json');
    await writeFile(notLayout, '{"panels": []}');
    await expect(inspectMain([file, '--layout', notLayout])).rejects.toThrow(/not a Foxglove layout/);
  });

  it('inspect: a copy cut in the middle gives one line saying how much was readable, and lists that part', async () => {
    const cut = join(dir, 'cut.mcap');
    await copyFile(file, cut);
    const size = (await readFile(file)).length;
    await truncate(cut, Math.floor(size / 2));
    const report = await readMcapReport(cut);
    expect(report.complete).toBe(false);
    expect(report.messages).toBeGreaterThan(0);
    expect(report.messages).toBeLessThan(decoded.messages.length);
    expect(report.bytesRead).toBeLessThanOrEqual(Math.floor(size / 2));
    const errors: string[] = [];
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    expect(await inspectMain([cut])).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toContain('\n');
    expect(errors[0]).toContain(`readable before it: ${report.messages} messages`);
    expect(errors[0]).toMatch(/truncated or damaged at byte \d+ of \d+ \(it ends inside a record/);
  });

  it('inspect: a PNG (or an empty file) is one line, not a stack', async () => {
    const png = join(dir, 'not.mcap');
    await writeFile(png, await readFile(join(projectRoot(), 'docs', 'landscape.png')));
    const empty = join(dir, 'empty.mcap');
    await writeFile(empty, new Uint8Array(0));
    for (const [path, why] of [
      [png, /not an MCAP recording: it does not start with the MCAP magic bytes/],
      [empty, /not an MCAP recording: the file is empty/],
    ] as const) {
      const errors: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
      expect(await inspectMain([path])).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(why);
      vi.restoreAllMocks();
    }
    await expect(inspectMain([join(dir, 'missing.mcap')])).rejects.toThrow(/cannot read .*missing\.mcap/);
  });

  it('through the node: the commands and statuses the node publishes (pose output), on the virtual clock', async () => {
    const path = join(dir, 'node.mcap');
    const recorder = await McapRecorder.create(path, { info: { command: 'test' } });
    const sim = await TabletopSim.create(SIM);
    let ep: PlannedEpisode;
    try {
      ep = await runThroughNodeEpisode(sim, model, goals, {
        seed: SEED,
        params: { optimizer: 'cem', samples: 32, iterations: 2, elites: 4, output_mode: 'pose', propose_stages: false },
        latencyS: 0,
        subgoalSteps: [2, 2, 1],
        recorder,
        log: createLogger('test'),
      });
    } finally {
      await recorder.close();
      sim.close();
    }
    const { messages } = await decodeAll(path);
    const targets = on(messages, 'poseTarget');
    expect(targets).toHaveLength(ep.steps);
    expect(on(messages, 'twist')).toHaveLength(0);
    expect(on(messages, 'planPath')).toHaveLength(ep.steps);
    // The node's latent distance to the active goal, one per executed plan (the node's own, not the loop's).
    const distances = on(messages, 'latentDistance').map((m) => (m.msg as { data: number }).data);
    expect(distances).toHaveLength(ep.steps);
    for (const d of distances) expect(d).toBeGreaterThan(0);
    expect(new Set(distances).size).toBeGreaterThan(1);
    // Statuses every control cycle (holds included), far more than the plans.
    expect(on(messages, 'status').length).toBeGreaterThan(ep.steps);
    expect(episodeVerdicts(await readMcapReport(path))).toEqual([expect.objectContaining({ steps: String(ep.steps), success: String(ep.success) })]);
  }, 120_000);
});
