import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RANDOMISABLE, RANDOMISE_RANGES } from '../../sim/randomise.js';
import { collectDataset } from '../../src/data/collect.js';
import { KIND_WEIGHTS, MIX_WEIGHTS, planEpisode } from '../../src/data/episode.js';
import { DatasetError, EPISODE_KINDS, MANIFEST_NAME, PRIVILEGED_FIELDS } from '../../src/data/format.js';
import { openDataset } from '../../src/data/reader.js';
import { tempDirs } from './temp-dirs.js';

const tempDir = tempDirs('jepa-ds-');

const SMALL = { episodes: 3, seed: 5, size: 64, steps: 4, episodesPerShard: 2, workers: 1 } as const;

async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

describe('planEpisode', () => {
  it('is a pure function of (seed, index)', () => {
    expect(planEpisode(3, 17)).toEqual(planEpisode(3, 17));
    expect(planEpisode(3, 17)).not.toEqual(planEpisode(4, 17));
  });

  it('mixes the kinds roughly by their weights; expert kinds run the pick-place scene', () => {
    const n = 4000;
    const counts = Object.fromEntries(EPISODE_KINDS.map((k) => [k, 0])) as Record<string, number>;
    for (let i = 0; i < n; i++) {
      const p = planEpisode(1, i);
      counts[p.kind] = (counts[p.kind] ?? 0) + 1;
      if (p.kind.startsWith('expert')) expect(p.task).toBe('pick-place');
    }
    for (const k of EPISODE_KINDS) expect(Math.abs((counts[k] ?? 0) / n - KIND_WEIGHTS[k])).toBeLessThan(0.03);
  });

  it('draws grasp practice only in the grasp mix, at its weight', () => {
    const n = 4000;
    const share = (mix: 'general' | 'grasp') =>
      Array.from({ length: n }, (_, i) => planEpisode(1, i, mix)).filter((p) => p.kind === 'grasp-practice').length / n;
    expect(share('general')).toBe(0);
    expect(Math.abs(share('grasp') - MIX_WEIGHTS.grasp['grasp-practice'])).toBeLessThan(0.03);
    const practice = Array.from({ length: 200 }, (_, i) => planEpisode(1, i, 'grasp')).filter((p) => p.kind === 'grasp-practice');
    expect(practice.length).toBeGreaterThan(0);
    for (const p of practice) expect(p.task).toBe('pick-place');
  });

  it.each([
    [-1, 0],
    [0, -1],
    [1.5, 0],
    [0, 2 ** 20],
  ])('rejects seed %s / index %s', (seed, index) => {
    expect(() => planEpisode(seed, index)).toThrow(RangeError);
  });
});

describe('collectDataset + openDataset', () => {
  it('writes the same bytes for the same seed, and a manifest the reader accepts', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const m = await collectDataset({ ...SMALL, outDir: a });
    await collectDataset({ ...SMALL, outDir: b });
    expect(await filesOf(a)).toEqual(await filesOf(b));
    expect(m.episodes).toBe(3);
    expect(m.frames).toBe(3 * (SMALL.steps + 1));
    expect(m.shards).toHaveLength(2);
    const ds = await openDataset(a);
    const eps = [...(await ds.readShard(0)), ...(await ds.readShard(1))];
    expect(eps).toHaveLength(3);
    for (const e of eps) {
      expect(e.frames).toBe(SMALL.steps + 1);
      expect(e.rgb.length).toBe(e.frames * 64 * 64 * 3);
      expect(e.states.length).toBe(e.frames * 7);
      expect(e.privileged.length).toBe(e.frames * PRIVILEGED_FIELDS.length);
      expect(Array.from(e.actions.subarray((e.frames - 1) * 7))).toEqual([0, 0, 0, 0, 0, 0, 0]);
      // the commanded translation is (close to) the change of the measured tool position
      for (let t = 0; t + 1 < e.frames; t++) {
        for (let i = 0; i < 3; i++) {
          const moved = (e.states[(t + 1) * 7 + i] as number) - (e.states[t * 7 + i] as number);
          expect(Math.abs(moved - (e.actions[t * 7 + i] as number))).toBeLessThan(0.02);
        }
      }
    }
  });

  it("randomises each episode's light, camera and cube colour by its layout when asked: same seed, same bytes; the states and actions as without", async () => {
    const [plain, a, b] = [await tempDir(), await tempDir(), await tempDir()];
    await collectDataset({ ...SMALL, outDir: plain, shadows: true });
    const m = await collectDataset({ ...SMALL, outDir: a, shadows: true, randomise: ['light', 'camera', 'colour'] });
    await collectDataset({ ...SMALL, outDir: b, shadows: true, randomise: ['colour', 'light', 'camera', 'light'] });
    const [fp, fa, fb] = [await filesOf(plain), await filesOf(a), await filesOf(b)];
    expect(fa['shard-00000.frames.u8']?.equals(fb['shard-00000.frames.u8'] as Buffer)).toBe(true);
    expect(fa['shard-00000.frames.u8']?.equals(fp['shard-00000.frames.u8'] as Buffer)).toBe(false);
    expect(fa['shard-00000.states.f32']?.equals(fp['shard-00000.states.f32'] as Buffer)).toBe(true); // only the pictures change
    expect(fa['shard-00000.actions.f32']?.equals(fp['shard-00000.actions.f32'] as Buffer)).toBe(true);
    expect(m.render.randomise?.kinds).toEqual(['light', 'camera', 'colour']);
    expect((await openDataset(a)).manifest.render.randomise?.kinds).toEqual(['light', 'camera', 'colour']);
    await expect(collectDataset({ ...SMALL, outDir: await tempDir(), randomise: ['weather' as never] })).rejects.toThrow(
      /randomise must name light, camera, colour/,
    );
  });

  it('randomises every kind (table, distractors, shadows too) reproducibly, and records the kinds and ranges', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const m = await collectDataset({ ...SMALL, outDir: a, shadows: true, randomise: [...RANDOMISABLE] });
    await collectDataset({ ...SMALL, outDir: b, shadows: true, randomise: [...RANDOMISABLE].reverse(), workers: 2 });
    const [fa, fb] = [await filesOf(a), await filesOf(b)];
    for (const name of Object.keys(fa)) if (name.startsWith('shard-')) expect(fa[name]?.equals(fb[name] as Buffer), name).toBe(true);
    expect(m.render.randomise?.kinds).toEqual([...RANDOMISABLE]);
    expect((m.render.randomise as Record<string, unknown>).distractors).toEqual(RANDOMISE_RANGES.distractors);
  });

  it('draws every frame again under a twin appearance when asked: the same states, other pictures, one more verified file', async () => {
    const [plain, twin] = [await tempDir(), await tempDir()];
    await collectDataset({ ...SMALL, outDir: plain, shadows: true, randomise: [...RANDOMISABLE] });
    const m = await collectDataset({ ...SMALL, outDir: twin, shadows: true, randomise: [...RANDOMISABLE], twin: true });
    expect(m.render.twin).toBe(true);
    const [fp, ft] = [await filesOf(plain), await filesOf(twin)];
    for (const name of Object.keys(fp)) if (name.startsWith('shard-')) expect(ft[name]?.equals(fp[name] as Buffer), name).toBe(true);
    const frames = ft['shard-00000.frames.u8'] as Buffer;
    const twins = ft['shard-00000.twin-frames.u8'] as Buffer;
    expect(twins.length).toBe(frames.length);
    const pixels = 64 * 64 * 3;
    for (let f = 0; f < frames.length / pixels; f++)
      expect(twins.subarray(f * pixels, (f + 1) * pixels).equals(frames.subarray(f * pixels, (f + 1) * pixels))).toBe(false);
    await truncate(join(twin, 'shard-00000.twin-frames.u8'), 10);
    await expect(openDataset(twin, { verify: false })).rejects.toThrow(/twin-frames/);
    await expect(collectDataset({ ...SMALL, outDir: await tempDir(), twin: true })).rejects.toThrow(/twin frames need randomise/);
  });

  it('refuses to overwrite a dataset unless forced', async () => {
    const d = await tempDir();
    await collectDataset({ ...SMALL, episodes: 1, outDir: d });
    await expect(collectDataset({ ...SMALL, episodes: 1, outDir: d })).rejects.toThrow(/already holds a dataset/);
    await expect(collectDataset({ ...SMALL, episodes: 1, outDir: d, force: true })).resolves.toBeDefined();
  });

  it('leaves no manifest when a collection is interrupted', async () => {
    const d = await tempDir();
    await collectDataset({ ...SMALL, episodes: 1, outDir: d });
    const interrupted = collectDataset({
      ...SMALL,
      outDir: d,
      force: true,
      onProgress: (done) => {
        if (done === 2) throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow(/interrupted/);
    expect(await readdir(d)).not.toContain(MANIFEST_NAME);
    await expect(openDataset(d)).rejects.toThrow(/no dataset manifest/);
  });

  it.each([
    ['truncated frames', async (d: string) => truncate(join(d, 'shard-00000.frames.u8'), 100), /truncated or corrupt/],
    [
      'flipped byte',
      async (d: string) => {
        const p = join(d, 'shard-00000.states.f32');
        const bytes = await readFile(p);
        bytes[3] = (bytes[3] as number) ^ 0xff;
        await writeFile(p, bytes);
      },
      /sha256 .* does not match/,
    ],
    ['missing shard file', async (d: string) => rm(join(d, 'shard-00000.actions.f32')), /missing shard file/],
    ['garbage manifest', async (d: string) => writeFile(join(d, MANIFEST_NAME), '{"format": '), /not valid JSON/],
    [
      'wrong format tag',
      async (d: string) => {
        const p = join(d, MANIFEST_NAME);
        const m = JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
        await writeFile(p, JSON.stringify({ ...m, format: 'other@1' }));
      },
      /format/,
    ],
  ] as const)('reports a %s clearly', async (_name, damage, message) => {
    const d = await tempDir();
    await collectDataset({ ...SMALL, episodes: 1, outDir: d });
    await damage(d);
    const err = await openDataset(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(message);
  });
});
