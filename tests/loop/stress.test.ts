/**
 * Issue 20 through the node's ports (no ROS): the planner and simulator nodes on real timers
 * under a camera flood with a worker crash in the middle — the node keeps only the latest frame,
 * holds with MODEL_ERROR while the worker restarts, and plans again; the stress command's
 * flags, its soak figures and plot; the probe's slope.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { main as stressMain, parseFloods } from '../../src/cli/stress.js';
import { CliError } from '../../src/cli/cli-error.js';
import { createLogger } from '../../src/log.js';
import { scaleIntoFrame } from '../../src/loop/flood-frame.js';
import { expertGoals, type GoalSet } from '../../src/loop/goals.js';
import { slopePerHour, type ProbeSample } from '../../src/loop/process-probe.js';
import { runRealTime } from '../../src/loop/real-time.js';
import { decodePng } from '../../src/model/image.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { centerCropRect } from '../../src/model/preprocess.js';
import { modelDir } from '../../src/paths.js';
import { captureStdout } from '../capture-stdout.js';
import { tempDirs } from '../data/temp-dirs.js';

const SIM = { task: 'pick-place' as const, camera: { width: 64, height: 64 } };
const log = createLogger('stress-test');
const tempDir = tempDirs('jepa-mpc-stress-');

describe('the nodes on real timers under a flood and a worker crash', () => {
  let model: OnnxWorldModel;
  let sim: TabletopSim;
  let goals: GoalSet;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(modelDir('test-tiny'), { logger: log });
    sim = await TabletopSim.create(SIM);
    goals = await expertGoals(SIM, 'pick-place', 3);
  });
  afterAll(async () => {
    sim.close();
    await model.close();
  });

  it('encodes only the latest of many frames, recovers from the crash and goes on planning', async () => {
    const r = await runRealTime({
      model,
      sim,
      goalSets: [goals],
      seconds: 5,
      params: { samples: 32, iterations: 2, elites: 4 },
      flood: { width: 1280, height: 720, hz: 30 },
      faults: [{ atS: 2, kind: 'crash' }],
      probeIntervalMs: 100,
      log,
    });
    expect(r.framesSent).toBeGreaterThan(5 * 30 * 0.5);
    // Latest only: one frame per plan (and per goal image), not one per message.
    expect(r.framesEncoded).toBeLessThan(r.framesSent / 4);
    expect(r.framesEncoded).toBeGreaterThan(0);
    expect(r.statuses['MODEL_ERROR']).toBeGreaterThanOrEqual(1);
    const [recovery] = r.recoveries;
    expect(recovery?.kind).toBe('crash');
    expect(recovery?.recoveryS).not.toBeNull();
    expect(recovery?.recoveryS as number).toBeLessThan(2.5);
    // The worker's own restart is part of the time to the next plan.
    expect(recovery?.restartS as number).toBeGreaterThan(0);
    expect(recovery?.restartS as number).toBeLessThanOrEqual(recovery?.recoveryS as number);
    expect(r.plans).toBeGreaterThanOrEqual(3);
    expect(model.health).toMatchObject({ state: 'ok', restarts: 1 });
    expect(r.samples.length).toBeGreaterThan(30);
    expect(r.peakRssMb).toBeGreaterThan(0);
  });
});

describe('flood frames', () => {
  it('put the scene in the centre square with black bars, so the centre crop sees the scene only', () => {
    const scene = { width: 2, height: 2, encoding: 'rgb8', step: 6, data: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]) };
    const frame = scaleIntoFrame(scene, 8, 4);
    const px = (x: number, y: number) => Array.from(frame.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
    expect(centerCropRect(8, 4, 64, 64)).toEqual({ x: 2, y: 0, width: 4, height: 4 });
    expect([px(0, 0), px(1, 3), px(6, 0), px(7, 3)]).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect([px(2, 0), px(3, 1), px(4, 0), px(5, 3), px(2, 2)]).toEqual([
      [10, 20, 30],
      [10, 20, 30],
      [40, 50, 60],
      [100, 110, 120],
      [70, 80, 90],
    ]);
  });
});

describe('process probe', () => {
  it('fits the slope per hour after the warm-up, ignoring what came before', () => {
    const samples: ProbeSample[] = Array.from({ length: 100 }, (_, i) => ({
      tS: i * 10,
      rssMb: i < 10 ? 500 : 200 + (i * 10 * 36) / 3600,
      heapMb: 50,
      externalMb: 5,
      lagMaxMs: 1,
    }));
    expect(slopePerHour(samples, (s) => s.rssMb, 100)).toBeCloseTo(36, 6);
    expect(slopePerHour(samples, (s) => s.heapMb, 100)).toBeCloseTo(0, 9);
    expect(slopePerHour(samples.slice(0, 1), (s) => s.rssMb, 0)).toBeNaN();
  });
});

describe('jepa-mpc stress', () => {
  it('parses floods and refuses malformed ones and a run without a mode, in one line', async () => {
    expect(parseFloods('1080p@60,4k@30,640x480@15')).toEqual([
      { label: '1080p@60', width: 1920, height: 1080, hz: 60 },
      { label: '4k@30', width: 3840, height: 2160, hz: 30 },
      { label: '640x480@15', width: 640, height: 480, hz: 15 },
    ]);
    expect(() => parseFloods('1080p')).toThrow(CliError);
    expect(() => parseFloods('8k@60')).toThrow(/RES@HZ/);
    await expect(stressMain(['--seconds', '5'])).rejects.toThrow(/give --flood, --worker-kill or --soak/);
    await expect(stressMain(['--flood', '720p@30', '--plot', 'x.png'])).rejects.toThrow(/--plot needs --soak/);
  });

  it('soaks through the shipped code path: JSON headline figures and the memory/lag plot', async () => {
    const dir = await tempDir();
    const plot = join(dir, 'soak.png');
    const out = captureStdout();
    expect(
      await stressMain(['--soak', '--seconds', '6', '--model', modelDir('test-tiny'), '--samples', '32', '--iterations', '2', '--plot', plot, '--json']),
    ).toBe(0);
    vi.restoreAllMocks();
    const r = JSON.parse(out.lines.at(-1) ?? '') as {
      soak: { plans: number; cycles: number; rssSlopeMbPerHour: number; warmupS: number };
      peakRssMb: number;
      planRateHz: number;
    };
    expect(r.soak.cycles).toBeGreaterThan(15);
    expect(r.soak.plans).toBeGreaterThan(0);
    expect(r.planRateHz).toBeGreaterThan(0);
    expect(r.peakRssMb).toBeGreaterThan(0);
    expect(r.soak.warmupS).toBe(60); // a 6 s run is all warm-up: no slope
    expect(r.soak.rssSlopeMbPerHour).toBeNull();
    expect(r.soak).toHaveProperty('externalSlopeMbPerHour');
    const png = decodePng(await readFile(plot));
    expect(png.width).toBeGreaterThan(0);
    // Memory above lag: two panels in one column, in the spec beside the PNG.
    expect(JSON.parse(await readFile(join(dir, 'soak.vl.json'), 'utf8'))).toMatchObject({ columns: 1, concat: [{}, {}] });
  });
});
