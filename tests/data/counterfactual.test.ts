import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectDataset } from '../../src/data/collect.js';
import { gripperCounterfactual } from '../../src/data/counterfactual.js';
import { DatasetError, MANIFEST_NAME } from '../../src/data/format.js';
import { openDataset } from '../../src/data/reader.js';
import { tempDirs } from './temp-dirs.js';

const tempDir = tempDirs('jepa-cf-');

const arm = [0.01, -0.02, 0.03, 0, 0, 0];
const gripperOf = (a: Float32Array): number => a[6] as number;

describe('gripperCounterfactual', () => {
  it('holds where the action moves the gripper and toggles fully where it does not; keeps the arm deltas', () => {
    expect(gripperOf(gripperCounterfactual([...arm, 0.75], 0))).toBe(0); // closing -> hold
    expect(gripperOf(gripperCounterfactual([...arm, -0.5], 1))).toBe(0); // opening -> hold
    expect(gripperOf(gripperCounterfactual([...arm, 0], 0))).toBe(1); // holding open -> close
    expect(gripperOf(gripperCounterfactual([...arm, 0], 1))).toBe(-1); // holding closed -> open
    expect(gripperOf(gripperCounterfactual([...arm, 0], 0.25))).toBeCloseTo(0.75, 6); // more open -> close fully
    // "opening" open fingers changes nothing: a hold, so the counterfactual closes
    expect(gripperOf(gripperCounterfactual([...arm, -0.75], 0))).toBe(1);
    expect(Array.from(gripperCounterfactual([...arm, 0], 0).subarray(0, 6))).toEqual(arm.map((v) => Math.fround(v)));
  });
});

const SMALL = { episodes: 2, seed: 3, size: 64, steps: 20, episodesPerShard: 1, workers: 1, mix: 'grasp' } as const;

async function shardBytes(dir: string, suffix: string): Promise<Buffer[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(suffix)).sort();
  return Promise.all(names.map((n) => readFile(join(dir, n))));
}

describe('collect --counterfactual', () => {
  it('records the same episodes as a plain collection, plus the branch frames of the other gripper choice', async () => {
    const [plain, branched] = [await tempDir(), await tempDir()];
    const m0 = await collectDataset({ ...SMALL, outDir: plain });
    const m = await collectDataset({ ...SMALL, outDir: branched, counterfactual: true });
    expect(m0.counterfactual).toBeUndefined();
    expect(m.counterfactual?.rule).toBe('gripper');
    for (const suffix of ['frames.u8', 'states.f32', 'actions.f32', 'privileged.f32', 'episodes.i32']) {
      const [a, b] = [await shardBytes(plain, `.${suffix}`), await shardBytes(branched, `.${suffix}`)];
      expect(b).toHaveLength(a.length);
      b.forEach((x, k) => expect(x.equals(a[k] as Buffer), suffix).toBe(true));
    }
    const frames = new Uint8Array((await shardBytes(branched, '.frames.u8'))[0] as Buffer);
    const cfFrames = new Uint8Array((await shardBytes(branched, '.cf-frames.u8'))[0] as Buffer);
    const states = new Float32Array(new Uint8Array((await shardBytes(branched, '.states.f32'))[0] as Buffer).buffer);
    const actions = new Float32Array(new Uint8Array((await shardBytes(branched, '.actions.f32'))[0] as Buffer).buffer);
    const cfActions = new Float32Array(new Uint8Array((await shardBytes(branched, '.cf-actions.f32'))[0] as Buffer).buffer);
    const px = 64 * 64 * 3;
    let toggledDiffer = 0;
    for (let t = 0; t < SMALL.steps; t++) {
      const a = actions.subarray(t * 7, t * 7 + 7);
      expect(Array.from(cfActions.subarray(t * 7, t * 7 + 7))).toEqual(Array.from(gripperCounterfactual(a, states[t * 7 + 6] as number)));
      // where the counterfactual toggles the gripper of a still-open hand, the branch looks different from the real next frame
      if ((cfActions[t * 7 + 6] as number) === 1) {
        let changed = 0;
        for (let i = 0; i < px; i++) if (cfFrames[t * px + i] !== frames[(t + 1) * px + i]) changed++;
        if (changed > 30) toggledDiffer++;
      }
    }
    expect(toggledDiffer).toBeGreaterThan(3);
    // the last row is a copy of the last frame and a zero action
    const last = SMALL.steps;
    expect(Buffer.from(cfFrames.subarray(last * px, (last + 1) * px)).equals(Buffer.from(frames.subarray(last * px, (last + 1) * px)))).toBe(true);
    expect(Array.from(cfActions.subarray(last * 7))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    await expect(openDataset(branched)).resolves.toBeDefined();
  });

  it.each([
    ['truncated counterfactual frames', async (d: string) => truncate(join(d, 'shard-00000.cf-frames.u8'), 100), /cf-frames\.u8: .*truncated or corrupt/],
    ['missing counterfactual actions', async (d: string) => rm(join(d, 'shard-00000.cf-actions.f32')), /cf-actions\.f32: missing shard file/],
    [
      'shard without its counterfactual entries',
      async (d: string) => {
        const p = join(d, MANIFEST_NAME);
        const m = JSON.parse(await readFile(p, 'utf8')) as { shards: { files: Record<string, unknown> }[] };
        delete m.shards[0]?.files.cfFrames;
        await writeFile(p, JSON.stringify(m));
      },
      /lists no cfFrames file/,
    ],
  ] as const)('reports a %s clearly', async (_name, damage, message) => {
    const d = await tempDir();
    await collectDataset({ ...SMALL, episodes: 1, steps: 3, outDir: d, counterfactual: true });
    await damage(d);
    const err = await openDataset(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(message);
  });
});
