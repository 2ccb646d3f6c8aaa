/**
 * `jepa-mpc eval --suite appearance`: every case changes what the camera sees (and the unperturbed
 * one nothing), a case's row is the single perturbed `eval` run, the plot is a PNG, and mistakes
 * are one-line CLI errors. One reach episode per case with a tiny planner, on models/test-tiny.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TabletopSim, type TabletopOptions } from '../../sim/tabletop.js';
import { APPEARANCE_CASES, NEUTRAL_STRENGTH, selectCases, withFractions, type SuiteCase } from '../../src/cli/appearance-suite.js';
import { CliError } from '../../src/cli/cli-error.js';
import { main as evalMain } from '../../src/cli/eval.js';
import { episodeSimOptions } from '../../src/cli/planned-run.js';
import { decodePng } from '../../src/model/image.js';
import { modelDir } from '../../src/paths.js';
import { captureStdout } from '../capture-stdout.js';
import { tempDirs } from '../data/temp-dirs.js';

const tempDir = tempDirs('jepa-mpc-suite-');

/** What every CLI run here shares: one fast reach episode on the random-weight model. */
const FAST = ['--episodes', '1', '--task', 'reach', '--model', modelDir('test-tiny'), '--samples', '16', '--iterations', '1'];

/** The unperturbed simulator, drawn with shadows (as sim-jepa-ac was trained). */
const BASE: TabletopOptions = { task: 'pick-place', camera: { width: 64, height: 64 }, shadows: true };

/** The first frame of seed 0. */
async function firstFrame(options: TabletopOptions): Promise<Uint8Array> {
  const sim = await TabletopSim.create(options);
  try {
    return sim.reset(0).rgb.slice();
  } finally {
    sim.close();
  }
}

/** The first frame of seed 0 under a case's perturbation. */
function caseFrame(c: SuiteCase): Promise<Uint8Array> {
  return firstFrame(episodeSimOptions({ sim: BASE, perturbation: c.perturbation }, 0));
}

interface JsonRow {
  id: string;
  kind: string;
  episodes: number;
  successes: number;
  successRate: number;
  medianClosestToCube: number;
  fractionOfUnperturbed: number | null;
  results: { seed: number; success: boolean; steps: number; closestToCube: number; tcpToTarget: number }[];
}

describe('the appearance suite', () => {
  it('has the listed cases, each id once, every kind but none with a neutral strength', () => {
    expect(APPEARANCE_CASES.map((c) => c.id)).toEqual([
      'none',
      'light-30',
      'light-90',
      'light-180',
      'elevation-30',
      'elevation-75',
      'intensity-0.6',
      'intensity-1.5',
      'camera-2',
      'camera-5',
      'cube-orange',
      'cube-white',
      'table-grey',
      'table-blue',
      'distractors-1',
      'distractors-2',
      'shadows-off',
    ]);
    for (const c of APPEARANCE_CASES) {
      if (c.kind !== 'none') {
        expect(NEUTRAL_STRENGTH[c.kind]).not.toBe(c.strength);
      }
    }
  });

  it('changes the first frame of seed 0 in every case but none, which leaves it byte-identical', async () => {
    const base = await firstFrame(BASE);
    expect(await caseFrame(APPEARANCE_CASES.find((c) => c.id === 'none') as SuiteCase)).toEqual(base);
    const unchanged: string[] = [];
    for (const c of APPEARANCE_CASES.filter((x) => x.kind !== 'none')) {
      const frame = await caseFrame(c);
      expect(frame.length).toBe(base.length);
      if (frame.every((v, i) => v === base[i])) unchanged.push(c.id);
    }
    expect(unchanged).toEqual([]);
  }, 60_000);

  it('keeps the suite order for --cases and refuses unknown ids, listing the valid ones', () => {
    expect(selectCases(APPEARANCE_CASES, 'light-90,none').map((c) => c.id)).toEqual(['none', 'light-90']);
    expect(selectCases(APPEARANCE_CASES, undefined)).toHaveLength(APPEARANCE_CASES.length);
    expect(() => selectCases(APPEARANCE_CASES, 'none,light-45')).toThrow(/unknown case 'light-45' \(cases: none, light-30, /);
  });

  it.each([
    [
      'with the unperturbed run',
      [
        ['none', 0.8],
        ['light-30', 0.4],
        ['camera-5', 0.8],
      ],
      [1, 0.5, 1],
    ],
    [
      'an unperturbed run without success',
      [
        ['none', 0],
        ['light-30', 0.4],
      ],
      [null, null],
    ],
    ['without the unperturbed run', [['light-30', 0.4]], [null]],
    [
      'a row better than the unperturbed',
      [
        ['none', 0.5],
        ['cube-white', 0.75],
      ],
      [1, 1.5],
    ],
  ] as const)('rates each row against the unperturbed one: %s', (_name, rows, fractions) => {
    const input = rows.map(([id, successRate]) => ({ kind: (id === 'none' ? 'none' : 'camera') as 'none' | 'camera', successRate }));
    expect(withFractions(input).map((r) => r.fractionOfUnperturbed)).toEqual(fractions);
  });
});

describe('jepa-mpc eval --suite', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives a case the row a single perturbed eval run gives', async () => {
    const out = captureStdout();
    expect(await evalMain(['--suite', 'appearance', '--cases', 'none,light-90', ...FAST, '--json'])).toBe(0);
    const suite = JSON.parse(out.lines.at(-1) ?? '') as { suite: string; task: string; episodes: number; seed: number; loop: string; cases: JsonRow[] };
    expect(suite).toMatchObject({ suite: 'appearance', task: 'reach', episodes: 1, seed: 0, loop: 'direct' });
    expect(suite.cases.map((r) => [r.id, r.kind, r.episodes])).toEqual([
      ['none', 'none', 1],
      ['light-90', 'light-azimuth', 1],
    ]);
    const [none, light] = suite.cases as [JsonRow, JsonRow];
    expect(none.fractionOfUnperturbed).toBe(none.successRate > 0 ? 1 : null);

    expect(await evalMain(['--light-azimuth', '90', ...FAST, '--json'])).toBe(0);
    const single = JSON.parse(out.lines.at(-1) ?? '') as JsonRow & { perturbation: { lightAzimuthDeg: number } };
    expect(single.perturbation.lightAzimuthDeg).toBe(90);
    expect(light.successes).toBe(single.successes);
    expect(light.medianClosestToCube).toBe(single.medianClosestToCube);
    const episode = (r: JsonRow['results'][number]) => [r.seed, r.success, r.steps, r.closestToCube, r.tcpToTarget];
    expect(light.results.map(episode)).toEqual(single.results.map(episode));
    // The light changes what the planner sees: the unperturbed episode went elsewhere.
    expect(none.results.map(episode)).not.toEqual(light.results.map(episode));
  }, 60_000);

  it('writes the plot as a PNG, a panel per kind', async () => {
    const dir = await tempDir();
    const plot = join(dir, 'suite.png');
    const out = captureStdout();
    expect(await evalMain(['--suite', 'appearance', '--cases', 'light-30,cube-white', ...FAST, '--plot', plot])).toBe(0);
    const bytes = await readFile(plot);
    expect(bytes.length).toBeGreaterThan(0);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const png = decodePng(bytes);
    expect(png.width).toBeGreaterThan(png.height);
    // A panel per kind (light-azimuth, cube-colour), side by side, in the spec beside the PNG.
    expect(JSON.parse(await readFile(join(dir, 'suite.vl.json'), 'utf8'))).toMatchObject({
      columns: 2,
      concat: [{ title: 'light-azimuth' }, { title: 'cube-colour' }],
    });
    const table = out.lines.join('\n');
    expect(table).toMatch(/light-30 +light turned 30° +[01]\/1/);
    expect(table).toMatch(/cube-white +cube white +[01]\/1/);
    expect(table).toContain(`plot: ${plot}`);
  }, 60_000);

  it.each([
    [['--suite', 'robustness'], /--suite: unknown suite 'robustness' \(suites: appearance\)/],
    [['--suite', 'appearance', '--cases', 'none,light-45'], /--cases: unknown case 'light-45' \(cases: none, light-30, .*shadows-off\)/],
    [['--suite', 'appearance', '--light-azimuth', '90'], /--suite appearance sets the perturbation itself: drop --light-azimuth/],
    [['--suite', 'appearance', '--shadows', 'off'], /drop --shadows/],
    [['--cases', 'none'], /--cases and --plot need --suite/],
    [['--plot', 'x.png'], /--cases and --plot need --suite/],
    [['--suite', 'appearance', '--plot', 'suite.svg'], /--plot must name a \.png file, got 'suite\.svg'/],
  ])('refuses %j with one line, before loading the model', async (argv, message) => {
    captureStdout();
    const run = evalMain([...argv, '--model', '/nonexistent']);
    await expect(run).rejects.toThrow(CliError);
    await expect(evalMain([...argv, '--model', '/nonexistent'])).rejects.toThrow(message);
  });
});
