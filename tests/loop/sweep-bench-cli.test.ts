/**
 * `jepa-mpc sweep` and `jepa-mpc bench`: the sweep runs eval's loop per grid point and draws its
 * plot; bench reports GFLOP/s against the MatMul ceiling and counts iCEM's smaller population.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodePng } from '../../src/model/image.js';
import { main as benchMain } from '../../src/cli/bench.js';
import { precisionManifests } from '../../src/cli/bench-precisions.js';
import { modelDir } from '../../src/paths.js';
import { main as sweepMain, parseGrid } from '../../src/cli/sweep.js';
import { CliError } from '../../src/cli/cli-error.js';
import { captureStdout } from '../capture-stdout.js';
import { tempDirs } from '../data/temp-dirs.js';

const tempDir = tempDirs('jepa-mpc-sweep-');

describe('jepa-mpc sweep', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parses grids per optimiser and refuses malformed entries with one line', () => {
    expect(parseGrid('100x3,icem:64x2e8', ['cem', 'mppi'])).toEqual([
      { optimizer: 'cem', samples: 100, iterations: 3 },
      { optimizer: 'mppi', samples: 100, iterations: 3 },
      { optimizer: 'icem', samples: 64, iterations: 2, elites: 8 },
    ]);
    expect(() => parseGrid('100by3', ['cem'])).toThrow(CliError);
    expect(() => parseGrid('sgd:100x3', ['cem'])).toThrow(/unknown optimiser 'sgd'/);
  });

  it("measures every point on every task with eval's loop and writes the plot", async () => {
    {
      const dir = await tempDir();
      const out = captureStdout();
      const plot = join(dir, 'sweep.png');
      expect(await sweepMain(['--grid', 'cem:64x2,icem:64x2', '--tasks', 'reach', '--episodes', '1', '--seed', '3', '--plot', plot, '--json'])).toBe(0);
      const r = JSON.parse(out.lines.at(-1) ?? '') as {
        rows: { task: string; optimizer: string; evaluationsPerPlan: number; successes: number; meanPlanMs: number }[];
        perturbation: string;
        precision: string;
      };
      expect(r.perturbation).toBe('none');
      expect(r.precision).toBe('int8'); // sim-jepa-ac's default rollouts
      expect(r.rows.map((row) => [row.task, row.optimizer, row.evaluationsPerPlan])).toEqual([
        ['reach', 'cem', 129],
        ['reach', 'icem', 64 + 51 + 1],
      ]);
      // Seed 3 is reached at the model's MPPI 100 x 3 (eval-cli.test.ts); 64 x 2 gets there too.
      expect(r.rows.every((row) => row.successes === 1 && row.meanPlanMs > 0)).toBe(true);
      const png = decodePng(await readFile(plot));
      expect(png.width).toBeGreaterThan(png.height);
      // The Vega-Lite spec beside the PNG: one panel per task.
      const spec = JSON.parse(await readFile(join(dir, 'sweep.vl.json'), 'utf8')) as { concat: unknown[] };
      expect(spec.concat).toHaveLength(1);
      expect(await readFile(join(dir, 'sweep.html'), 'utf8')).toContain('vegaEmbed');
    }
  }, 180_000);

  it('--from redraws the table, JSON and plot of earlier sweeps without an episode: one line per optimiser and precision', async () => {
    const dir = await tempDir();
    const row = (optimizer: string, samples: number, meanPlanMs: number, successes: number) => ({
      task: 'pick-place',
      optimizer,
      samples,
      iterations: 3,
      elites: 10,
      evaluationsPerPlan: samples * 3 + 1,
      episodes: 20,
      successes,
      successRate: successes / 20,
      lifted: successes,
      meanPlanMs,
    });
    const fp32 = join(dir, 'fp32.json'); // written before sweeps recorded their precision: counts as fp32
    const int8 = join(dir, 'int8.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      fp32,
      JSON.stringify({
        model: 'm',
        provider: 'cpu',
        threads: '1',
        episodes: 20,
        seed: 0,
        perturbation: 'none',
        rows: [row('cem', 100, 150, 17), row('mppi', 100, 152, 19)],
      }),
    );
    await writeFile(
      int8,
      JSON.stringify({
        model: 'm',
        precision: 'int8',
        provider: 'cpu',
        threads: '1',
        episodes: 20,
        seed: 0,
        perturbation: 'none',
        rows: [row('mppi', 100, 70, 19)],
      }),
    );
    const out = captureStdout();
    const plot = join(dir, 'both.png');
    expect(await sweepMain(['--from', `${fp32},${int8}`, '--plot', plot, '--json'])).toBe(0);
    const r = JSON.parse(out.lines.at(-1) ?? '') as { rows: { optimizer: string; precision: string; meanPlanMs: number }[] };
    expect(r.rows.map((x) => [x.optimizer, x.precision, x.meanPlanMs])).toEqual([
      ['cem', 'fp32', 150],
      ['mppi', 'fp32', 152],
      ['mppi', 'int8', 70],
    ]);
    const spec = JSON.stringify(JSON.parse(await readFile(join(dir, 'both.vl.json'), 'utf8')));
    for (const label of ['cem fp32', 'mppi fp32', 'mppi int8']) expect(spec).toContain(`"${label}"`);
    expect(decodePng(await readFile(plot)).width).toBeGreaterThan(0);
    const foreign = join(dir, 'foreign.json');
    await writeFile(foreign, JSON.stringify({ channels: [] }));
    await expect(sweepMain(['--from', foreign])).rejects.toThrow(/--from .*foreign\.json: not the output of 'jepa-mpc sweep --json'/);
    await expect(sweepMain(['--from', join(dir, 'missing.json')])).rejects.toThrow(/--from .*missing\.json: ENOENT/);
  }, 60_000);

  it('refuses the flags it sweeps, and perturbations outside their ranges before any episode', async () => {
    await expect(sweepMain(['--samples', '10'])).rejects.toThrow(/--samples is swept/);
    await expect(sweepMain(['--light-elevation', '5', '--model', 'models/test-tiny'])).rejects.toThrow(/--light-elevation must be a number in \[15, 90\]/);
  });
});

describe('jepa-mpc bench', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reports the rollout GFLOP/s under the MatMul ceiling, and iCEM scoring fewer candidates than CEM', async () => {
    const out = captureStdout();
    expect(await benchMain(['--samples', '100', '--iterations', '3', '--repeats', '1', '--torch', 'off', '--threads', '1', '--json'])).toBe(0);
    const r = JSON.parse(out.lines.at(-1) ?? '') as {
      gflops: number;
      matmulCeilingGflops: number;
      evaluationsPerPlan: number;
      torch: { skipped: string };
      variants: { name: string; evaluations: number; gflops: number | null }[];
      precisions: {
        precision: string;
        manifest: string;
        evalsPerSec: number;
        gflops: number;
        ratio: number;
        cpuMs: number;
        cpuRatio: number;
        energy: number;
      }[];
      int8GemmCeilingGops: number;
      gemmInt8: { m: number; gops: number }[];
    };
    expect(r.evaluationsPerPlan).toBe(301);
    expect(r.variants.find((v) => v.name.startsWith('icem'))?.evaluations).toBe(100 + 80 + 64 + 1);
    expect(r.gflops).toBeGreaterThan(0);
    // A rollout cannot beat the best plain GEMM by much (small graphs sit well under it).
    expect(r.gflops).toBeLessThan(r.matmulCeilingGflops * 1.5);
    expect(r.torch.skipped).toBe('--torch off');
    // test-tiny ships an int8 variant: timed beside fp32, its FLOPs counted as fp32-equivalent, with the int8 GEMM ceiling
    expect(r.precisions.map((p) => p.precision)).toEqual(['fp32', 'int8']);
    expect(r.precisions[0]?.ratio).toBe(1);
    expect(r.precisions[0]?.cpuRatio).toBe(1);
    expect(r.precisions[1]?.manifest).toMatch(/manifest-int8\.json$/);
    const [fp32, int8] = r.precisions;
    expect(int8?.ratio).toBeCloseTo((int8?.evalsPerSec ?? 0) / (fp32?.evalsPerSec ?? 1), 1);
    expect(int8?.gflops).toBeGreaterThan(0);
    expect(int8?.cpuMs).toBeGreaterThan(0);
    expect(int8?.cpuRatio).toBeCloseTo((fp32?.cpuMs ?? 0) / (int8?.cpuMs ?? 1), 1);
    expect(Math.abs((int8?.energy ?? 0) - (fp32?.energy ?? 0))).toBeLessThan(0.05); // the same plan, quantised
    expect(r.int8GemmCeilingGops).toBe(Math.max(...r.gemmInt8.map((g) => g.gops)));
  }, 180_000);

  it("times sim-jepa-ac's fp32 beside its int8 default with fp32 first: the ratio reads int8 over fp32", async () => {
    const out = captureStdout();
    const argv = ['--model', modelDir('sim-jepa-ac'), '--samples', '16', '--iterations', '1', '--repeats', '1', '--naive-repeats', '0'];
    expect(await benchMain([...argv, '--variants', 'model', '--torch', 'off', '--threads', '1', '--json'])).toBe(0);
    const r = JSON.parse(out.lines.at(-1) ?? '') as {
      precisions: { precision: string; manifest: string; ratio: number; cpuRatio: number }[];
      gemmInt8: { gops: number }[];
    };
    expect(r.precisions.map((p) => [p.precision, basename(p.manifest)])).toEqual([
      ['fp32', 'manifest-fp32.json'],
      ['int8', 'manifest.json'],
    ]);
    expect(r.precisions[0]).toMatchObject({ ratio: 1, cpuRatio: 1 });
    // int8 loaded as the default (not only as a variant) still brings the int8 GEMM ceiling
    expect(r.gemmInt8.length).toBeGreaterThan(0);
  }, 180_000);

  it("says why the PyTorch comparison is skipped when only the model's MPPI ran (no CEM variant has a PyTorch twin), instead of failing it", async () => {
    const out = captureStdout();
    // sim-jepa-ac plans with MPPI (its manifest); the PyTorch twin is a CEM
    const argv = ['--model', modelDir('sim-jepa-ac'), '--samples', '16', '--iterations', '1', '--repeats', '1', '--naive-repeats', '0', '--precisions', 'none'];
    expect(await benchMain([...argv, '--variants', 'model', '--threads', '1', '--json'])).toBe(0);
    const r = JSON.parse(out.lines.at(-1) ?? '') as { torch: { skipped?: string } };
    expect(r.torch.skipped).toMatch(/^no variant run here has a PyTorch twin/);
  }, 180_000);

  it.each([
    ['auto', ['int8']],
    [undefined, ['int8']],
    ['none', []],
    ['int8', ['int8']],
    ['fp32,int8', ['int8']], // the loaded precision is not timed twice
  ])('--precisions %s finds %j beside test-tiny (fp32 default)', (flag, expected) => {
    expect(precisionManifests(modelDir('test-tiny'), flag, 'fp32').map((p) => p.precision)).toEqual(expected);
  });

  it.each([
    ['auto', 'int8', [['fp32', 'manifest-fp32.json']]],
    ['fp32', 'int8', [['fp32', 'manifest-fp32.json']]],
    ['auto', 'fp32', [['int8', 'manifest.json']]],
    ['int8', 'fp32', [['int8', 'manifest.json']]],
  ] as const)('--precisions %s beside sim-jepa-ac loaded at %s finds %j', (flag, own, expected) => {
    const found = precisionManifests(modelDir('sim-jepa-ac'), flag, own).map((p) => [p.precision, basename(p.path)]);
    expect(found).toEqual(expected);
  });

  it.each([
    ['fp16-weights', /has no fp16-weights manifest; its precisions: fp32 \(manifest.json\), int8 \(manifest-int8.json\)$/],
    ['int4', /not one of fp32, int8, fp16-weights/],
  ])('--precisions %s is refused', (flag, message) => {
    expect(() => precisionManifests(modelDir('test-tiny'), flag, 'fp32')).toThrow(message);
  });
});
