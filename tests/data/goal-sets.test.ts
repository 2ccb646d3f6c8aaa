/**
 * Goal sets for training a subgoal proposer (src/data/goal-sets.ts): the first frame and the
 * scheme's goal frames exactly as eval renders them, the states, the seeds, the manifest last.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectGoalSets, GOAL_SETS_FORMAT } from '../../src/data/goal-sets.js';
import { expertGoals } from '../../src/loop/goals.js';
import { perturbedOptions } from '../../sim/perturb.js';
import { DEFAULT_CAMERA } from '../../sim/tabletop.js';
import { tempDirs } from './temp-dirs.js';

const tempDir = tempDirs('jepa-goal-sets-');

const SIM = { task: 'pick-place' as const, camera: { width: 64, height: 64 }, shadows: true, controlPeriod: 0.25 };

describe('collectGoalSets', () => {
  it("writes each seed's first frame and waypoint frames as eval renders them, with the states and seeds", async () => {
    const dir = await tempDir();
    const ticks: number[] = [];
    const m = await collectGoalSets({
      outDir: dir,
      seed: 11,
      count: 2,
      task: 'pick-place',
      scheme: 'waypoints',
      sim: SIM,
      expert: { alignYaw: false },
      onProgress: (d) => ticks.push(d),
    });
    expect(m).toMatchObject({
      format: GOAL_SETS_FORMAT,
      count: 2,
      width: 64,
      height: 64,
      seeds: { first: 11, last: 12 },
      skipped: [],
      shadows: true,
      controlPeriodS: 0.25,
    });
    expect(m.names).toEqual(['start', 'hover', 'at cube', 'grasped', 'near target', 'lowered', 'placed']);
    expect(ticks).toEqual([1, 2]);
    const frames = await readFile(join(dir, 'frames.u8'));
    const states = new Float32Array((await readFile(join(dir, 'states.f32'))).buffer.slice(0));
    const seeds = new Int32Array((await readFile(join(dir, 'seeds.i32'))).buffer.slice(0));
    const frame = 64 * 64 * 3;
    expect(frames.length).toBe(2 * 7 * frame);
    expect(states.length).toBe(2 * 7 * 7);
    expect(Array.from(seeds)).toEqual([11, 12]);
    const goals = await expertGoals(SIM, 'pick-place', 12, { alignYaw: false }, 'waypoints');
    const set = frames.subarray(7 * frame, 14 * frame);
    expect(Buffer.from(set.subarray(0, frame)).equals(Buffer.from(goals.start.data))).toBe(true);
    expect(Buffer.from(set.subarray(6 * frame)).equals(Buffer.from(goals.frames[5]!.data))).toBe(true);
    // the gripper column: open at the start, closed when grasped, open when placed
    expect(states[7 * 7 + 6]).toBe(0);
    expect(states[7 * 7 + 3 * 7 + 6]).toBeGreaterThan(0.7);
    expect(states[7 * 7 + 6 * 7 + 6]).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))).toEqual(m);
  });

  it('draws each set in its own randomised world when asked, the layout and the expert the same', async () => {
    const [plain, random] = [await tempDir(), await tempDir()];
    const common = { seed: 11, count: 2, task: 'pick-place' as const, scheme: 'paper' as const, sim: SIM, expert: { alignYaw: false } };
    await collectGoalSets({ ...common, outDir: plain });
    const m = await collectGoalSets({ ...common, outDir: random, randomise: ['light', 'table', 'colour'] });
    expect(m.randomise).toEqual(['light', 'table', 'colour']);
    const read = async (dir: string, name: string) => readFile(join(dir, name));
    expect((await read(random, 'frames.u8')).equals(await read(plain, 'frames.u8'))).toBe(false);
    expect((await read(random, 'states.f32')).equals(await read(plain, 'states.f32'))).toBe(true);
  });

  it("draws every set under one of eval's perturbations when asked: the frames eval's goals for that seed show", async () => {
    const dir = await tempDir();
    const perturbation = { lightAzimuthDeg: 90, cameraJitter: { cm: 2, deg: 2 } };
    const m = await collectGoalSets({
      seed: 5,
      count: 1,
      task: 'pick-place',
      scheme: 'paper',
      sim: SIM,
      expert: { alignYaw: false },
      outDir: dir,
      perturbation,
    });
    expect(m.perturbation).toBe('camera 2 cm 2°, light turned 90°');
    const goals = await expertGoals(perturbedOptions(SIM, perturbation, DEFAULT_CAMERA, 5), 'pick-place', 5, { alignYaw: false }, 'paper');
    const frames = await readFile(join(dir, 'frames.u8'));
    expect(Buffer.from(frames.subarray(0, 64 * 64 * 3)).equals(Buffer.from(goals.start.data))).toBe(true);
    expect(Buffer.from(frames.subarray(3 * 64 * 64 * 3)).equals(Buffer.from(goals.frames[2]!.data))).toBe(true);
  });
});
