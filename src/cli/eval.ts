/**
 * `jepa-mpc eval`: success rate of the planner over seeded episodes of a task in the built-in
 * simulator, goals given as images rendered by the scripted expert from the same layouts.
 * Per-episode lines with a progress bar and a summary; `--json` prints one object with task,
 * policy, episodes, successes, successRate, meanPlanMs, meanSteps and the per-episode results.
 * `--suite appearance` runs the generalisation suite instead: the same episodes under each of a
 * fixed list of perturbations (appearance-suite.ts), as a table, one JSON object and a PNG plot;
 * `--compare FILE.json` sets an earlier suite run beside it, case by case (suite-compare.ts).
 */
import { parseArgs } from 'node:util';
import { activeOptimizer } from '../core/mpc.js';
import { evaluationsPerPlan } from '../core/optimizer.js';
import { statusName } from '../core/status.js';
import type { EpisodeStep } from '../loop/episode.js';
import { modelDir } from '../paths.js';
import { createLogger } from '../log.js';
import { choiceFlag, intFlag, numberFlag } from './args.js';
import { CliError } from './cli-error.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { PERTURBATION_FLAGS, RUN_HELP, RUN_OPTIONS, SIM_MODEL, runSettings, type RunSettings } from './planned-run.js';
import { episodeRecord, evaluate, summariseRun, type EvaluationOptions } from './evaluation.js';
import { parseSuite, runSuite, selectCases, suiteCases, suiteTable, SUITES, type SuiteCase, type SuiteName, type SuiteRow } from './appearance-suite.js';
import { suitePlot } from './appearance-plot.js';
import { writePlot } from '../viz/vega/write.js';
import { checkBaseline, readBaseline, withBaseline, type SuiteBaseline } from './suite-compare.js';
import type { WorldModel } from '../model/world-model.js';
import { describePerturbation, isPerturbed } from '../../sim/perturb.js';
import { ProgressBar } from './progress.js';
import { MCAP_OPTION, mcapHelp, openRecording } from './mcap-flag.js';
import type { McapRecorder } from '../record/mcap-recorder.js';

/** Output modes of the planner node. */
const OUTPUT_MODES = ['twist', 'pose', 'joint'] as const;
/** Largest --latency: a plan slower than this is not a control loop. */
const MAX_LATENCY_S = 60;

/** The appearance suite's case ids for the help text, wrapped under the flags' descriptions. */
const APPEARANCE_CASE_IDS = suiteCases('appearance')
  .map((c) => c.id)
  .reduce<string[]>((lines, id) => {
    const last = lines.at(-1);
    if (last !== undefined && last.length + id.length < 72) lines[lines.length - 1] = `${last},${id}`;
    else lines.push(id);
    return lines;
  }, [])
  .join(',\n                       ');

const HELP = `usage: jepa-mpc eval --task reach|grasp|pick-place [options]
       jepa-mpc eval --suite appearance [--cases LIST] [--plot FILE.png] [--compare FILE.json] [options]

options:
  --episodes N         episodes, seeds S, S+1, … (default 20)
  --through-node       run the planner node and the simulator node wired through their ports on a
                       virtual clock (the loop \`ros2 launch jepa_mpc sim_mujoco.launch.py\` runs), not
                       the direct loop where the simulator waits for each plan
  --latency S          with --through-node: virtual seconds each plan takes (default 0; the world is
                       simulated meanwhile and the arm holds)
  --output-mode MODE   with --through-node: twist|pose|joint (default twist)
${mcapHelp('every episode, one after another on the timeline, in one file (an episode channel and an episode metadata record with each verdict)')}
  --verbose            a line per control step (action, energy, status; the simulator's gripper,
                       tool→cube distance, cube lift and grasp, for diagnosis)
  --suite NAME         run a generalisation suite: the episodes under each of its perturbations, a
                       table (or --json) with each case's success as a fraction of the unperturbed
                       run's: ${SUITES.join('|')} (the suite sets the perturbation flags and
                       --shadows: not with them)
  --cases LIST         with --suite: only these case ids, comma-separated (default all); appearance's:
                       ${APPEARANCE_CASE_IDS}
  --plot FILE.png      with --suite: write the plot (success and lift rate against each
                       perturbation's strength, a panel per kind)
  --compare FILE.json  with --suite: set an earlier run of the suite (its --json output, e.g. another
                       model's) beside this one: its success k/n and fraction of unperturbed per case
                       in the table ('—' where it lacks the case), a "baseline" object per JSON row
                       and "compare" at top level, its success as a third series of the plot; the
                       tasks must match (other episode counts or seeds only warn, on stderr)
${RUN_HELP}
${MODEL_HELP.replace(`(default models/test-tiny)`, `(default models/${SIM_MODEL})`)}
  --json               print one JSON object`;

/** Entry point of `jepa-mpc eval`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      ...RUN_OPTIONS,
      ...MCAP_OPTION,
      episodes: { type: 'string' },
      'through-node': { type: 'boolean', default: false },
      latency: { type: 'string' },
      'output-mode': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      suite: { type: 'string' },
      cases: { type: 'string' },
      plot: { type: 'string' },
      compare: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const episodes = intFlag('episodes', values.episodes, 20, 1, 100_000);
  const throughNode = values['through-node'];
  const latencyS = numberFlag('latency', values.latency, 0, 0, MAX_LATENCY_S);
  const outputMode = choiceFlag('output-mode', values['output-mode'], OUTPUT_MODES, 'twist');
  if (!throughNode && (values.latency !== undefined || values['output-mode'] !== undefined))
    throw new CliError('--latency and --output-mode need --through-node');
  const suite = await suiteFlags(values);
  if (suite && values.mcap !== undefined) throw new CliError('--mcap records one run of episodes: not with --suite');
  const model = await loadModelFromFlags({ ...values, model: values.model ?? modelDir(SIM_MODEL) });
  const log = createLogger('eval');
  let recorder: McapRecorder | undefined;
  try {
    const s = runSettings(values, model, 'reach');
    const loop = {
      episodes,
      ...(throughNode ? { throughNode: { latencyS, outputMode, log } } : {}),
      ...(values.verbose ? { onStep: (r: EpisodeStep) => console.error(stepLine(r)) } : {}),
    };
    if (suite) {
      const { baseline } = suite;
      const warning = baseline && checkBaseline(baseline, { task: s.task, episodes, seed: s.seed });
      if (warning !== undefined) console.error(warning);
      const rows = await runSuiteCommand(model, s, suite, loop);
      const header = { suite: suite.name, model: model.manifest.name, task: s.task, subgoals: s.subgoals, episodes, seed: s.seed };
      const loopInfo = { loop: throughNode ? 'through-node' : 'direct', ...(throughNode ? { outputMode, latencyS } : {}) };
      const compare = baseline ? { compare: { model: baseline.model, file: baseline.file } } : {};
      if (values.json) console.log(JSON.stringify({ ...header, ...loopInfo, ...compare, cases: baseline ? withBaseline(rows, baseline) : rows }));
      else {
        console.log(
          `${suite.name} suite: ${s.task}, ${episodes} episode${episodes > 1 ? 's' : ''} per case, model ${model.manifest.name}, ${loopInfo.loop} loop`,
        );
        if (baseline) console.log(`compared with ${baseline.model} (${baseline.file})`);
        console.log(suiteTable(rows, baseline));
        if (!s.sim.shadows && rows.some((r) => r.kind === 'shadows'))
          console.log(`note: ${model.manifest.name} renders without shadows (manifest simulator.shadows): shadows-off changes nothing`);
        if (suite.plot !== undefined) console.log(`\nplot: ${suite.plot}`);
      }
      return 0;
    }
    recorder = await openRecording(values.mcap, {
      command: 'eval',
      model: model.manifest.name,
      task: s.task,
      seed: s.seed,
      episodes,
      optimizer: s.planner.optimizer,
      controlPeriodS: model.manifest.controlPeriodS,
      loop: throughNode ? `through-node (${outputMode}, latency ${latencyS} s)` : 'direct',
    });
    if (isPerturbed(s.perturbation)) log.info({ perturbation: s.perturbation }, `perturbed: ${describePerturbation(s.perturbation)}`);
    const bar = new ProgressBar({ label: `eval ${s.task}`, total: episodes });
    let ok = 0;
    const results = await evaluate(model, s, {
      ...loop,
      ...(recorder ? { recorder } : {}),
      onEpisode: (ep, k) => {
        const f = ep.finalTask;
        if (!values.json) {
          console.log(
            `episode ${String(k).padStart(3)}  seed ${String(ep.seed).padStart(6)}  ${ep.success ? 'success' : 'failure'}  steps ${String(ep.steps).padStart(3)}  ` +
              `tool→target ${(f.tcpToTarget * 100).toFixed(1)} cm  cube→target ${(f.cubeToTarget * 100).toFixed(1)} cm  closest to cube ${(ep.closestToCube * 100).toFixed(1)} cm${ep.closedAtCube ? '  closed at cube' : ''}${ep.lifted ? '  lifted' : ''}  plan ${ep.meanPlanMs.toFixed(0)} ms`,
          );
        }
        if (ep.success) ok++;
        bar.tick(1, `${ok}/${k + 1} ok`);
      },
    });
    bar.finish();
    if (recorder) {
      await recorder.close();
      log.info({ file: recorder.path, messages: recorder.messageCount }, 'recording written');
    }
    const run = summariseRun(results);
    const opt = activeOptimizer(s.planner);
    const summary = {
      task: s.task,
      policy: `jepa-mpc ${s.planner.optimizer}`,
      loop: throughNode ? 'through-node' : 'direct',
      ...(throughNode ? { outputMode, latencyS } : {}),
      model: model.manifest.name,
      precision: model.manifest.precision,
      provider: model.provider,
      ...run,
      subgoals: s.subgoals,
      propose: s.propose,
      perturbation: { ...s.perturbation, description: describePerturbation(s.perturbation) },
      seed: s.seed,
      optimizer: s.planner.optimizer,
      samples: opt.samples,
      iterations: opt.iterations,
      evaluationsPerPlan: evaluationsPerPlan(opt),
      horizon: opt.horizon,
      gripperMargin: opt.space.gripperMargin,
      goalGripperWeight: s.planner.goalGripperWeight,
      goalReadout: values['goal-readout'] !== 'off' && model.manifest.goalReadout !== undefined,
      results: results.map(episodeRecord),
    };
    if (values.json) console.log(JSON.stringify(summary));
    else
      console.log(
        `${s.task} / ${summary.policy}: ${run.successes}/${episodes} successful (${(run.successRate * 100).toFixed(1)}%), mean steps ${run.meanSteps}, ${run.meanPlanMs} ms per plan`,
      );
    return 0;
  } finally {
    await recorder?.close().catch(() => undefined); // closed already after a good run; after a failure, keep what was written
    await model.close();
  }
}

/** One --verbose line: the planner's choice, then the simulator's truth after the step. */
function stepLine(r: EpisodeStep): string {
  const cm = (m: number): string => `${(m * 100).toFixed(1)} cm`;
  const action = Array.from(r.action, (v) => v.toFixed(3)).join(' ');
  return (
    `  step ${String(r.step).padStart(2)}  goal ${r.subgoal + 1}  action ${action}  E ${r.energy.toFixed(4)}  ${statusName(r.status)}` +
    `  gripper ${r.gripper.toFixed(2)}  tool→cube ${cm(r.task.cubeToTcp)}  cube lift ${cm(r.task.cubeLift)}${r.task.held ? '  held' : ''}${r.task.success ? '  success' : ''}`
  );
}

/** What `--suite`, `--cases`, `--plot` and `--compare` ask for. */
interface SuiteRequest {
  readonly name: SuiteName;
  readonly cases: SuiteCase[];
  readonly plot: string | undefined;
  /** The run `--compare` names, read; undefined without the flag. */
  readonly baseline: SuiteBaseline | undefined;
}

/**
 * Checks --suite, --cases, --plot and --compare (reading its file) before the model loads:
 * undefined without --suite.
 * @throws CliError for an unknown suite or case, --cases, --plot or --compare without --suite, a
 * plot that is not .png, --suite with a flag the suite sets (the perturbation flags, --shadows),
 * or a --compare file that cannot be read or is not a run of the suite ({@link readBaseline}).
 */
async function suiteFlags(values: Record<string, string | boolean | undefined>): Promise<SuiteRequest | undefined> {
  const name = values.suite as string | undefined;
  const plot = values.plot as string | undefined;
  const compare = values.compare as string | undefined;
  if (name === undefined) {
    if (values.cases !== undefined || plot !== undefined) throw new CliError('--cases and --plot need --suite');
    if (compare !== undefined) throw new CliError('--compare needs --suite');
    return undefined;
  }
  const suite = parseSuite(name);
  const set = [...PERTURBATION_FLAGS, 'shadows'].filter((f) => values[f] !== undefined);
  if (set.length) throw new CliError(`--suite ${suite} sets the perturbation itself: drop ${set.map((f) => `--${f}`).join(', ')}`);
  if (plot !== undefined && !plot.endsWith('.png')) throw new CliError(`--plot must name a .png file, got '${plot}'`);
  const cases = selectCases(suiteCases(suite), values.cases as string | undefined);
  return { name: suite, cases, plot, baseline: compare === undefined ? undefined : await readBaseline(compare, suite) };
}

/** Runs a suite with a progress bar over all its episodes and writes its plot when asked. */
async function runSuiteCommand(model: WorldModel, s: RunSettings, suite: SuiteRequest, loop: EvaluationOptions): Promise<SuiteRow[]> {
  const bar = new ProgressBar({ label: `eval --suite ${suite.name} ${s.task}`, total: suite.cases.length * loop.episodes });
  let current = '';
  const rows = await runSuite(model, s, suite.cases, {
    ...loop,
    onCase: (c) => (current = c.id),
    onEpisode: (ep) => bar.tick(1, `${current}: seed ${ep.seed} ${ep.success ? 'success' : 'failure'}`),
  });
  bar.finish();
  if (suite.plot !== undefined) {
    const episodes = `${loop.episodes} episode${loop.episodes > 1 ? 's' : ''} per case`;
    const vs = suite.baseline ? ` vs ${suite.baseline.model}` : '';
    const suiteTitle = `${suite.name} suite: ${model.manifest.name}${vs}, ${s.task}, ${episodes}`;
    await writePlot(suite.plot, suitePlot(rows, suiteTitle, suite.baseline), suiteTitle);
  }
  return rows;
}
