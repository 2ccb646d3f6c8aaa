/**
 * A model folder's precisions (issue 32): manifest.json is the folder's default (sim-jepa-ac: int8
 * rollouts), each other precision manifest-<precision>.json beside it; `--precision` /
 * `model_precision` resolve to one, a folder without it is a one-line PRECISION_MISSING that lists
 * what it has. And the shipped folders' size budgets, so adding variants cannot bloat the repo.
 */
import { readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderPrecisions, loadManifest, type Precision, resolveManifestPath } from '../../src/model/manifest.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { tempDirs } from '../data/temp-dirs.js';
import { expectModelError, modelVariant } from './model-folders.js';

const tempDir = tempDirs('jepa-mpc-precision-');

/**
 * The largest total size (bytes, every file in the folder) of each shipped model folder: its size
 * when the budget was set plus ~6 % headroom. sim-jepa-ac was 17,470,539 B with its int8 default
 * and the fp32 graphs kept; raise a budget only for a variant worth its megabytes.
 */
const MODEL_SIZE_BUDGET_BYTES: Readonly<Record<string, number>> = {
  'sim-jepa-ac': 18_500_000,
  'sim-jepa-ac-wrist': 17_000_000,
  'sim-jepa-ac-worlds': 18_000_000,
  'test-tiny': 2_650_000,
  'test-tiny-wrist': 2_700_000,
  'vjepa2-tiny': 1_150_000,
};

describe('resolveManifestPath / loadManifest with a precision', () => {
  it.each([
    ['sim-jepa-ac', undefined, 'manifest.json', 'int8'],
    ['sim-jepa-ac', 'int8', 'manifest.json', 'int8'],
    ['sim-jepa-ac', 'fp32', 'manifest-fp32.json', 'fp32'],
    ['test-tiny', undefined, 'manifest.json', 'fp32'],
    ['test-tiny', 'fp32', 'manifest.json', 'fp32'],
    ['test-tiny', 'int8', 'manifest-int8.json', 'int8'],
    ['vjepa2-tiny', 'fp16', 'manifest-fp16.json', 'fp16'],
  ] as const)('%s at %s: %s (%s)', async (name, precision, file, declared) => {
    expect(basename(resolveManifestPath(modelDir(name), precision))).toBe(file);
    const { manifest, path } = await loadManifest(modelDir(name), precision);
    expect(basename(path)).toBe(file);
    expect(manifest.precision).toBe(declared);
  });

  it('lists a folder’s precisions, its default first', () => {
    expect(folderPrecisions(modelDir('sim-jepa-ac')).map((p) => [p.precision, basename(p.path)])).toEqual([
      ['int8', 'manifest.json'],
      ['fp32', 'manifest-fp32.json'],
    ]);
    expect(folderPrecisions(modelDir('sim-jepa-ac-wrist')).map((p) => p.precision)).toEqual(['fp32']);
  });

  it.each([
    ['sim-jepa-ac', 'fp16-weights', 'int8 (manifest.json), fp32 (manifest-fp32.json)'],
    ['sim-jepa-ac-wrist', 'int8', 'fp32 (manifest.json)'],
    ['vjepa2-tiny', 'int8', 'fp32 (manifest.json), fp16 (manifest-fp16.json)'],
  ] as const)('%s has no %s: one line listing %s', async (name, precision, have) => {
    const message = `model folder ${modelDir(name)} has no ${precision} manifest; its precisions: ${have}`;
    expect(() => resolveManifestPath(modelDir(name), precision)).toThrow(message);
    await expectModelError(OnnxWorldModel.load(modelDir(name), { precision }), 'PRECISION_MISSING', new RegExp(`^${message.replace(/[()]/g, '\\$&')}$`));
  });

  it('refuses a manifest whose precision is not the one asked for (a manifest file, or a mislabelled variant)', async () => {
    await expectModelError(loadManifest(join(modelDir('test-tiny'), 'manifest-int8.json'), 'fp32'), 'PRECISION_MISSING', /holds precision int8, not fp32/);
    const dir = await modelVariant(modelDir('test-tiny'), await tempDir(), 'mislabelled');
    const int8 = JSON.parse(JSON.stringify((await loadManifest(join(dir, 'manifest-int8.json'))).manifest)) as Record<string, unknown>;
    await writeFile(join(dir, 'manifest-int8.json'), JSON.stringify({ ...int8, precision: 'fp16-weights' }));
    await expectModelError(loadManifest(dir, 'int8'), 'PRECISION_MISSING', /manifest-int8\.json holds precision fp16-weights, not int8/);
  });

  it('leaves a folder without a manifest to MANIFEST_NOT_FOUND', async () => {
    const dir = await tempDir();
    await expectModelError(loadManifest(dir, 'int8' as Precision), 'MANIFEST_NOT_FOUND', /no world-model manifest at .*manifest\.json/);
  });
});

describe('shipped model folders stay within their size budgets', () => {
  it.each(Object.entries(MODEL_SIZE_BUDGET_BYTES))('models/%s is under %d bytes', (name, budget) => {
    const dir = modelDir(name);
    const total = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    expect(total).toBeLessThan(budget);
  });
});
