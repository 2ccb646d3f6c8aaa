/**
 * `jepa-mpc sweep`: success against planning compute. For each optimiser and size of a grid and
 * each task it runs `eval`'s episodes (the same loop, seeds S…S+N−1) and records the success, the
 * evaluations per plan and the measured time per plan; prints a table, writes a PNG plot
 * (success vs time per plan, one panel per task; with its Vega-Lite spec and HTML page), or
 * prints one JSON object with --json. `--from` redraws the table and plot from earlier `--json`
 * outputs without running an episode (several files: one line per optimiser and precision).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { activeOptimizer, OPTIMIZER_NAMES, type OptimizerName } from '../core/mpc.js';
import { evaluationsPerPlan } from '../core/optimizer.js';
import { PRECISIONS, type Precision } from '../model/manifest.js';
import { modelDir } from '../paths.js';
import { describePerturbation } from '../../sim/perturb.js';
import { parseTaskName, type TaskName } from '../../sim/tasks.js';
import type { TopLevelSpec } from 'vega-lite';
import { panels, SERIES_COLORS, xyChart } from '../viz/vega/charts.js';
import { writePlot } from '../viz/vega/write.js';
import { intFlag } from './args.js';
import { CliError } from './cli-error.js';
import { evaluate, summariseRun, type RunSummary } from './evaluation.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { RUN_OPTIONS, SIM_MODEL, runSettings } from './planned-run.js';
import { ProgressBar } from './progress.js';
import { formatTable, round } from './table.js';

/** One point of the grid: an optimiser and its size. */
export interface GridPoint {
  readonly optimizer: OptimizerName;
  readonly samples: number;
  readonly iterations: number;
  /** Elites (undefined: the model's, capped at the samples). */
  readonly elites?: number;
}

/** The default grid: every optimiser from 300 x 5 (the shipped model's CEM before the sweep) down to 32 x 2. */
export const DEFAULT_GRID = '300x5,100x3,64x3,64x2,32x2';
/** Tasks swept by default. */
const DEFAULT_TASKS = 'pick-place,reach';
/** The time budget the plot marks: ten plans a second. */
const PLAN_BUDGET_MS = 100;
/** The success the plot marks (17/20). */
const TARGET_SUCCESS = 0.85;
/** Plot area of one task's panel (px). */
const PANEL = { width: 440, height: 260 };

const HELP = `usage: jepa-mpc sweep [options]

Success against planning compute: every grid point runs eval's episodes on every task.

options:
  --grid LIST          sizes SAMPLESxITERATIONS[eELITES], each for every --optimizers, or
                       OPT:SAMPLESxITERATIONS[eELITES] for one (default ${DEFAULT_GRID})
  --optimizers LIST    ${OPTIMIZER_NAMES.join(',')} (default all)
  --tasks LIST         tasks (default ${DEFAULT_TASKS})
  --episodes N         episodes per point and task, seeds S, S+1, … (default 20)
  --seed S             first seed (default 0)
  --plot FILE.png      write the plot (success vs ms per plan, log scale; one panel per task)
  --from LIST          no episodes: the table, --plot and --json from earlier 'sweep --json' outputs
                       (FILE.json,...; files of different precisions are drawn as separate lines)
  --camera-jitter, --light-azimuth, --light-elevation, --light-intensity, --cube-colour,
  --table-colour, --distractors, --shadows: eval's perturbations, applied at every point
${MODEL_HELP.replace(`(default models/test-tiny)`, `(default models/${SIM_MODEL})`)}
  --json               print one JSON object`;

/** Parses --grid. @throws CliError for a malformed entry. */
export function parseGrid(text: string, optimizers: readonly OptimizerName[]): GridPoint[] {
  return text.split(',').flatMap((raw) => {
    const entry = raw.trim();
    const m = /^(?:([a-z]+):)?(\d+)x(\d+)(?:e(\d+))?$/.exec(entry);
    if (!m) throw new CliError(`--grid: '${entry}' is not [OPT:]SAMPLESxITERATIONS[eELITES] (e.g. 100x3 or icem:64x2e8)`);
    const [, opt, samples, iterations, elites] = m;
    if (opt !== undefined && !(OPTIMIZER_NAMES as readonly string[]).includes(opt))
      throw new CliError(`--grid: unknown optimiser '${opt}' in '${entry}' (${OPTIMIZER_NAMES.join('|')})`);
    const size = {
      samples: intFlag('grid samples', samples, 0, 1, 100_000),
      iterations: intFlag('grid iterations', iterations, 0, 1, 1000),
      ...(elites !== undefined ? { elites: intFlag('grid elites', elites, 0, 1, 100_000) } : {}),
    };
    return (opt !== undefined ? [opt as OptimizerName] : optimizers).map((optimizer) => ({ optimizer, ...size }));
  });
}

/** One measured point. */
export interface SweepRow extends RunSummary {
  readonly task: TaskName;
  readonly optimizer: OptimizerName;
  readonly samples: number;
  readonly iterations: number;
  readonly elites: number;
  readonly evaluationsPerPlan: number;
  /** The rollout graphs' precision (the manifest's; absent in sweeps written before it was recorded: fp32). */
  readonly precision?: Precision;
}

/** A sweep's `--json` output. */
export interface SweepOutput {
  readonly model: string;
  readonly precision?: Precision;
  readonly provider: string;
  readonly threads: string;
  readonly episodes: number;
  readonly seed: number;
  readonly perturbation: string;
  readonly rows: readonly SweepRow[];
}

/**
 * The rows of earlier `sweep --json` outputs, each with its file's precision.
 * @throws CliError naming the file that cannot be read or is not a sweep's output.
 */
export function readSweeps(files: readonly string[]): { outputs: SweepOutput[]; rows: SweepRow[] } {
  const outputs = files.map((file) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CliError(`--from ${file}: ${(e as Error).message}`);
    }
    const out = parsed as Partial<SweepOutput> | null;
    if (
      out === null ||
      typeof out !== 'object' ||
      !Array.isArray(out.rows) ||
      out.rows.some((r) => typeof r?.meanPlanMs !== 'number' || typeof r?.task !== 'string')
    )
      throw new CliError(`--from ${file}: not the output of 'jepa-mpc sweep --json' (no rows with task and meanPlanMs)`);
    const precision = out.precision ?? 'fp32';
    if (!(PRECISIONS as readonly string[]).includes(precision))
      throw new CliError(`--from ${file}: unknown precision '${String(precision)}' (${PRECISIONS.join(', ')})`);
    return { ...out, precision, rows: out.rows.map((r) => ({ ...r, precision: r.precision ?? precision })) } as SweepOutput;
  });
  return { outputs, rows: outputs.flatMap((o) => o.rows) };
}

/** Entry point of `jepa-mpc sweep`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      ...RUN_OPTIONS,
      grid: { type: 'string' },
      optimizers: { type: 'string' },
      tasks: { type: 'string' },
      episodes: { type: 'string' },
      plot: { type: 'string' },
      from: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  for (const flag of ['task', 'optimizer', 'samples', 'iterations', 'elites'] as const) {
    if ((values as Record<string, unknown>)[flag] !== undefined) throw new CliError(`--${flag} is swept: use --grid, --optimizers and --tasks`);
  }
  const optimizers = (values.optimizers ?? OPTIMIZER_NAMES.join(',')).split(',').map((o) => {
    if (!(OPTIMIZER_NAMES as readonly string[]).includes(o.trim())) throw new CliError(`--optimizers: unknown optimiser '${o}' (${OPTIMIZER_NAMES.join('|')})`);
    return o.trim() as OptimizerName;
  });
  const grid = parseGrid(values.grid ?? DEFAULT_GRID, optimizers);
  const tasks = (values.tasks ?? DEFAULT_TASKS).split(',').map((t) => {
    try {
      return parseTaskName(t.trim());
    } catch (e) {
      throw new CliError(`--tasks: ${(e as Error).message}`);
    }
  });
  const episodes = intFlag('episodes', values.episodes, 20, 1, 100_000);
  const plotFile = values.plot;
  if (plotFile !== undefined && !plotFile.endsWith('.png')) throw new CliError(`--plot must name a .png file, got '${plotFile}'`);
  if (values.from !== undefined) {
    const { outputs, rows } = readSweeps(values.from.split(',').map((f) => f.trim()));
    const fromTasks = [...new Set(rows.map((r) => r.task))];
    const first = outputs[0];
    if (plotFile !== undefined)
      await writePlot(
        plotFile,
        sweepPlot(rows, fromTasks, `${first?.episodes ?? '?'} episodes per point, onnxruntime threads: ${first?.threads ?? 'default'}`),
        'sweep',
      );
    report({ from: values.from.split(','), rows }, rows, values.json, plotFile);
    return 0;
  }

  const model = await loadModelFromFlags({ ...values, model: values.model ?? modelDir(SIM_MODEL) });
  try {
    // Check every point's settings before the first episode runs.
    const runs = tasks.flatMap((task) =>
      grid.map((p) => {
        const point = {
          ...values,
          task,
          optimizer: p.optimizer,
          samples: String(p.samples),
          iterations: String(p.iterations),
          ...(p.elites !== undefined ? { elites: String(p.elites) } : {}),
        };
        return { task, point: p, settings: runSettings(point, model, task) };
      }),
    );
    const bar = new ProgressBar({ label: 'sweep', total: runs.length * episodes });
    const rows: SweepRow[] = [];
    for (const { task, point, settings } of runs) {
      const opt = activeOptimizer(settings.planner);
      const label = `${task} ${point.optimizer} ${point.samples}x${point.iterations}`;
      const results = await evaluate(model, settings, { episodes, onEpisode: () => bar.tick(1, label) });
      rows.push({
        task,
        optimizer: point.optimizer,
        samples: opt.samples,
        iterations: opt.iterations,
        elites: opt.elites,
        evaluationsPerPlan: evaluationsPerPlan(opt),
        precision: model.manifest.precision,
        ...summariseRun(results),
      });
    }
    bar.finish();
    if (plotFile !== undefined)
      await writePlot(plotFile, sweepPlot(rows, tasks, `${episodes} episodes per point, onnxruntime threads: ${values.threads ?? 'default'}`), 'sweep');
    const out: SweepOutput = {
      model: model.manifest.name,
      precision: model.manifest.precision,
      provider: model.provider,
      threads: values.threads ?? 'default',
      episodes,
      seed: runs[0]?.settings.seed ?? 0,
      perturbation: describePerturbation(runs[0]?.settings.perturbation ?? {}),
      rows,
    };
    report(out, rows, values.json, plotFile);
    return 0;
  } finally {
    await model.close();
  }
}

/** Prints the sweep's JSON or its table (a precision column where the rows have more than one). */
function report(out: object, rows: readonly SweepRow[], json: boolean | undefined, plotFile: string | undefined): void {
  if (json) {
    console.log(JSON.stringify(out));
    return;
  }
  const mixed = new Set(rows.map((r) => r.precision ?? 'fp32')).size > 1;
  console.log(
    formatTable(
      ['task', 'optimiser', ...(mixed ? ['precision'] : []), 'samples x iters', 'elites', 'evals/plan', 'ms/plan', 'success', 'lifted'],
      rows.map((r) => [
        r.task,
        r.optimizer,
        ...(mixed ? [r.precision ?? 'fp32'] : []),
        `${r.samples}x${r.iterations}`,
        r.elites,
        r.evaluationsPerPlan,
        round(r.meanPlanMs, 1),
        `${r.successes}/${r.episodes}`,
        r.task === 'pick-place' ? r.lifted : '',
      ]),
    ),
  );
  if (plotFile !== undefined) console.log(`\nplot: ${plotFile}`);
}

/**
 * The sweep's picture (exported for the plot benchmark): per task, success rate against ms per
 * plan, one line per optimiser — and per precision where the rows have several (each precision
 * its own colours) — dashed: the budget and the target.
 */
export function sweepPlot(rows: readonly SweepRow[], tasks: readonly TaskName[], conditions: string): TopLevelSpec {
  const precisions = [...new Set(rows.map((r) => r.precision ?? 'fp32'))];
  const lines = precisions.flatMap((precision, p) =>
    OPTIMIZER_NAMES.map((optimizer, k) => ({
      precision,
      optimizer,
      label: precisions.length > 1 ? `${optimizer} ${precision}` : optimizer,
      color: SERIES_COLORS[(k + p * OPTIMIZER_NAMES.length) % SERIES_COLORS.length] as string,
    })),
  );
  const charts = tasks.map((task) => {
    const series = lines
      .map((l) => ({
        label: l.label,
        color: l.color,
        points: rows
          .filter((r) => r.task === task && r.optimizer === l.optimizer && (r.precision ?? 'fp32') === l.precision)
          .map((r) => [r.meanPlanMs, r.successRate] as const)
          .sort((a, b) => a[0] - b[0]),
      }))
      .filter((s) => s.points.length > 0);
    return xyChart(series, {
      title: `${task}: success vs plan time`,
      xLabel: 'ms per plan (log scale)',
      yLabel: 'success rate',
      logX: true,
      yRange: [0, 1],
      yReference: TARGET_SUCCESS,
      xReference: PLAN_BUDGET_MS,
      ...PANEL,
    });
  });
  return panels(`success against plan time: ${conditions}`, charts);
}
