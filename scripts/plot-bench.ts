/**
 * PNG rendering time of the project's plots, old vs new, in one run: the hand-drawn plotter
 * (canvas + bitmap font, as of OLD_PLOTTER_COMMIT, read from git into tmp/) against the Vega-Lite
 * path (vega-lite → vega SVG → resvg PNG). The same synthetic data for both, sized like the real
 * plots; runs interleaved, warm-up first; prints a table, or one JSON object with --json.
 *
 *   npx tsx scripts/plot-bench.ts [--reps N] [--json]
 *
 * Needs a git checkout that has OLD_PLOTTER_COMMIT.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import { suitePlot } from '../src/cli/appearance-plot.js';
import type { SuiteRow } from '../src/cli/appearance-suite.js';
import { soakPlot } from '../src/cli/stress.js';
import { sweepPlot, type SweepRow } from '../src/cli/sweep.js';
import { formatTable } from '../src/cli/table.js';
import type { RealTimeReport } from '../src/loop/real-time.js';
import { energySpec, landscapeSpec } from '../src/viz/vega/episode.js';
import { renderPlot } from '../src/viz/vega/render.js';

/** The last commit with the hand-drawn plotter (src/viz/plot.ts). */
const OLD_PLOTTER_COMMIT = '8e0b560';
/** Its files, copied to tmp/ so that their `fast-png` import resolves from this project. */
const OLD_FILES = ['src/viz/plot.ts', 'src/viz/canvas.ts', 'src/viz/font.ts'] as const;
const OLD_DIR = resolve('tmp/plot-bench-old');
/** Sizes of the synthetic data: the demo's steps, its landscape grid, two hours of soak at 1 Hz, 16 suite cases. */
const SIZES = { steps: 60, grid: 9, soakSamples: 7200, sweepPoints: 5 } as const;

/** The old plotter's canvas: only PNG output is timed. */
interface OldCanvas {
  width: number;
  height: number;
  toPng(): Uint8Array;
  blit(c: OldCanvas, x: number, y: number): void;
}
type Points = (readonly [number, number])[];
interface OldPlotter {
  linePlot(series: { label: string; values: number[] }[], o: object): OldCanvas;
  xyPlot(series: { label: string; points: Points }[], o: object): OldCanvas;
  heatmap(values: number[][], o: object): OldCanvas;
  Canvas: new (w: number, h: number) => OldCanvas;
}

/** Reads the old plotter out of git and imports it. */
async function loadOldPlotter(): Promise<OldPlotter> {
  mkdirSync(join(OLD_DIR, 'src/viz'), { recursive: true });
  for (const f of OLD_FILES) writeFileSync(join(OLD_DIR, f), execFileSync('git', ['show', `${OLD_PLOTTER_COMMIT}:${f}`]));
  const plot = (await import(join(OLD_DIR, 'src/viz/plot.ts'))) as OldPlotter;
  const canvas = (await import(join(OLD_DIR, 'src/viz/canvas.ts'))) as Pick<OldPlotter, 'Canvas'>;
  return { ...plot, Canvas: canvas.Canvas };
}

/** A seeded uniform RNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One plot: how the old plotter and the new path draw the same data. */
interface Case {
  readonly name: string;
  readonly old: () => Uint8Array;
  readonly spec: TopLevelSpec;
}

function cases(old: OldPlotter): Case[] {
  const r = rng(7);
  const energies = Array.from({ length: SIZES.steps }, (_, i) => 0.4 * Math.exp(-i / 15) + 0.02 * r());
  const switches = [20, 40];
  const offsets = Array.from({ length: SIZES.grid }, (_, i) => (i - (SIZES.grid - 1) / 2) * 0.02);
  const land = offsets.map((y) => offsets.map((x) => Math.hypot(x, y) + 0.01 * r()));
  const samples = Array.from({ length: SIZES.soakSamples }, (_, i) => ({
    tS: i,
    rssMb: 300 + 5 * r(),
    heapMb: 60 + 3 * r(),
    externalMb: 20 + r(),
    lagMaxMs: 5 * r(),
  }));
  const tasks = ['pick-place', 'reach'] as const;
  const optimizers = ['cem', 'icem', 'mppi'] as const;
  const sweepRows = tasks.flatMap((task) =>
    optimizers.flatMap((optimizer) =>
      Array.from({ length: SIZES.sweepPoints }, (_, k) => ({
        task,
        optimizer,
        meanPlanMs: 20 * 2 ** k * (1 + r()),
        successRate: Math.min(1, 0.2 * k + 0.2 * r()),
      })),
    ),
  );
  const kinds = ['light-azimuth', 'light-elevation', 'light-intensity', 'camera', 'cube-colour', 'table-colour', 'distractors', 'shadows'] as const;
  const suiteRows = [
    { id: 'none', kind: 'none', strength: 0, successRate: 0.9, lifted: 19, episodes: 20 },
    ...kinds.flatMap((kind) => [1, 2].map((s) => ({ id: `${kind}-${s}`, kind, strength: s, successRate: r(), lifted: Math.round(20 * r()), episodes: 20 }))),
  ];
  const minutes = (t: number) => t / 60;
  const xyOld = (series: { label: string; points: Points }[], o: object) => old.xyPlot(series, o);
  return [
    {
      name: 'energy per step',
      old: () =>
        old
          .linePlot([{ label: 'energy to goal', values: energies }], { title: 'energy per step', xLabel: 'control step', yLabel: 'energy', markers: switches })
          .toPng(),
      spec: energySpec(energies, switches, 'energy per step'),
    },
    {
      name: 'landscape heatmap',
      old: () => old.heatmap(land, { title: 'energy to goal 1', xLabel: 'dx', yLabel: 'dy', xs: offsets, ys: offsets, mark: [0, 0] }).toPng(),
      spec: landscapeSpec({ energies: land, xs: offsets, ys: offsets, spearman: 0.9 }),
    },
    {
      name: 'sweep (2 panels)',
      old: () => {
        const out = new old.Canvas(1120, 340);
        tasks.forEach((task, k) => {
          const series = optimizers.map((o) => ({
            label: o,
            points: sweepRows.filter((x) => x.task === task && x.optimizer === o).map((x) => [x.meanPlanMs, x.successRate] as const),
          }));
          const p = xyOld(series, {
            title: task,
            xLabel: 'ms per plan',
            yLabel: 'success',
            logX: true,
            yRange: [0, 1],
            yReference: 0.85,
            xReference: 100,
            width: 560,
            height: 340,
          });
          out.blit(p, k * 560, 0);
        });
        return out.toPng();
      },
      spec: sweepPlot(sweepRows as unknown as SweepRow[], [...tasks], 'bench'),
    },
    {
      name: `soak (${SIZES.soakSamples} samples)`,
      old: () => {
        const out = new old.Canvas(720, 520);
        const mem = xyOld(
          [
            { label: 'RSS MB', points: samples.map((x) => [minutes(x.tS), x.rssMb] as const) },
            { label: 'heap MB', points: samples.map((x) => [minutes(x.tS), x.heapMb] as const) },
            { label: 'external MB', points: samples.map((x) => [minutes(x.tS), x.externalMb] as const) },
          ],
          { title: 'memory', xLabel: 'minutes', yLabel: 'MB', width: 720, height: 300 },
        );
        const lag = xyOld([{ label: 'lag', points: samples.map((x) => [minutes(x.tS), x.lagMaxMs] as const) }], {
          title: 'lag',
          xLabel: 'minutes',
          yLabel: 'ms',
          width: 720,
          height: 220,
        });
        out.blit(mem, 0, 0);
        out.blit(lag, 0, 300);
        return out.toPng();
      },
      spec: soakPlot({ samples } as unknown as RealTimeReport, 0.1),
    },
    {
      name: 'appearance suite (8 panels)',
      old: () => {
        const out = new old.Canvas(1600, 552);
        kinds.forEach((kind, k) => {
          const rows = suiteRows.filter((x) => x.kind === kind || x.kind === 'none');
          const p = xyOld(
            [
              { label: 'success', points: rows.map((x) => [x.strength, x.successRate] as const) },
              { label: 'lifted', points: rows.map((x) => [x.strength, x.lifted / x.episodes] as const) },
            ],
            { title: kind, xLabel: kind, yLabel: 'rate', yRange: [0, 1], xReference: 0, width: 400, height: 260 },
          );
          out.blit(p, (k % 4) * 400, 32 + Math.floor(k / 4) * 260);
        });
        return out.toPng();
      },
      spec: suitePlot(suiteRows as unknown as SuiteRow[], 'appearance suite'),
    },
  ];
}

/** The median of a non-empty list. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got '${values.reps}'`);
  const all = cases(await loadOldPlotter());
  const rows = [];
  for (const c of all) {
    c.old();
    await renderPlot(c.spec); // warm-up: JIT, font loading
    const oldMs: number[] = [];
    const newMs: number[] = [];
    let sizes = { old: [0, 0], new: [0, 0] };
    for (let i = 0; i < reps; i++) {
      let t = performance.now();
      const png = c.old();
      oldMs.push(performance.now() - t);
      t = performance.now();
      const plot = await renderPlot(c.spec);
      newMs.push(performance.now() - t);
      sizes = { old: [png.length, 0], new: [plot.png.length, plot.width * plot.height] };
    }
    rows.push({
      plot: c.name,
      oldMedianMs: round1(median(oldMs)),
      oldMinMs: round1(Math.min(...oldMs)),
      newMedianMs: round1(median(newMs)),
      newMinMs: round1(Math.min(...newMs)),
      oldPngKb: round1((sizes.old[0] as number) / 1024),
      newPngKb: round1((sizes.new[0] as number) / 1024),
    });
  }
  const out = { reps, oldPlotterCommit: OLD_PLOTTER_COMMIT, node: process.version, rows };
  if (values.json) {
    console.log(JSON.stringify(out));
    return;
  }
  console.log(
    formatTable(
      ['plot', 'old ms (median)', 'old ms (min)', 'new ms (median)', 'new ms (min)', 'old PNG KB', 'new PNG KB'],
      rows.map((r) => [r.plot, r.oldMedianMs, r.oldMinMs, r.newMedianMs, r.newMinMs, r.oldPngKb, r.newPngKb]),
    ),
  );
  console.log(
    `\n${reps} runs each, interleaved, after one warm-up; old = hand-drawn plotter at ${OLD_PLOTTER_COMMIT}, new = vega-lite → vega SVG → resvg PNG (2x).`,
  );
}

await main();
