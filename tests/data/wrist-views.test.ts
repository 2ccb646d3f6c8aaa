/**
 * `collect --wrist`: the hand camera's frames recorded beside the front camera's, the same
 * episodes as a plain collection, read back per episode; damaged files and option clashes reported.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectDataset } from '../../src/data/collect.js';
import { DatasetError } from '../../src/data/format.js';
import { openDataset } from '../../src/data/reader.js';
import { tempDirs } from './temp-dirs.js';

const tempDir = tempDirs('jepa-wrist-');
const SMALL = { episodes: 2, seed: 3, size: 64, steps: 12, episodesPerShard: 1, workers: 1, mix: 'grasp' } as const;
const PX = 64 * 64 * 3;

async function shardBytes(dir: string, suffix: string): Promise<Buffer[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(suffix)).sort();
  return Promise.all(names.map((n) => readFile(join(dir, n))));
}

/** Fraction of bytes that differ between two frames. */
function changed(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n / a.length;
}

describe('collect --wrist', () => {
  it('records the same episodes as a plain collection plus a moving hand view, listed as views front, wrist', async () => {
    const [plain, wrist] = [await tempDir(), await tempDir()];
    const m0 = await collectDataset({ ...SMALL, outDir: plain });
    const m = await collectDataset({ ...SMALL, outDir: wrist, wrist: true });
    expect(m0.views).toEqual(['front']);
    expect(m.views).toEqual(['front', 'wrist']);
    for (const suffix of ['.frames.u8', '.states.f32', '.actions.f32', '.privileged.f32', '.episodes.i32']) {
      const [a, b] = [await shardBytes(plain, suffix), await shardBytes(wrist, suffix)];
      b.forEach((x, k) => expect(x.equals(a[k] as Buffer), suffix).toBe(true));
    }
    expect(await shardBytes(plain, '.wrist-frames.u8')).toHaveLength(0);
    const episodes = (await Promise.all([0, 1].map(async (k) => (await openDataset(wrist)).readShard(k)))).flat();
    expect(episodes).toHaveLength(2);
    for (const ep of episodes) {
      const w = ep.wristRgb as Uint8Array;
      expect(w.length).toBe(ep.rgb.length);
      // a view of its own (not the front frame), and one that moves with the hand over the episode
      expect(changed(w.subarray(0, PX), ep.rgb.subarray(0, PX))).toBeGreaterThan(0.5);
      expect(changed(w.subarray(0, PX), w.subarray((ep.frames - 1) * PX))).toBeGreaterThan(0.05);
    }
  });

  it('refuses to mix with counterfactual branching, and reports a missing wrist file', async () => {
    await expect(collectDataset({ ...SMALL, outDir: await tempDir(), wrist: true, counterfactual: true })).rejects.toThrow(/do not mix/);
    const d = await tempDir();
    await collectDataset({ ...SMALL, episodes: 1, steps: 3, outDir: d, wrist: true });
    await rm(join(d, 'shard-00000.wrist-frames.u8'));
    const err = await openDataset(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(/wrist-frames\.u8: missing shard file/);
  });
});
