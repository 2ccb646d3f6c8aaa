/**
 * `jepa-mpc eval`: success rate of the planner over seeded episodes of a task in the built-in
 * simulator, goals given as images rendered by the scripted expert from the same layouts.
 * Per-episode lines with a progress bar and a summary; `--json` prints one object with task,
 * policy, episodes, successes, successRate, meanPlanMs, meanSteps and the per-episode results.
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
import { RUN_HELP, RUN_OPTIONS, SIM_MODEL, runSettings } from './planned-run.js';
import { evaluate, summariseRun } from './evaluation.js';
import { describePerturbation, isPerturbed } from '../../sim/perturb.js';
import { ProgressBar } from './progress.js';
import { round } from './table.js';

/** Output modes of the planner node. */
const OUTPUT_MODES = ['twist', 'pose', 'joint'] as const;
/** Largest --latency: a plan slower than this is not a control loop. */
const MAX_LATENCY_S = 60;

const HELP = `usage: jepa-mpc eval --task reach|grasp|pick-place [options]

options:
  --episodes N         episodes, seeds S, S+1, … (default 20)
  --through-node       run the planner node and the simulator node wired through their ports on a
                       virtual clock (the loop \`ros2 launch jepa_mpc sim_mujoco.launch.py\` runs), not
                       the direct loop where the simulator waits for each plan
  --latency S          with --through-node: virtual seconds each plan takes (default 0; the world is
                       simulated meanwhile and the arm holds)
  --output-mode MODE   with --through-node: twist|pose|joint (default twist)
  --verbose            a line per control step (action, energy, status; the simulator's gripper,
                       tool→cube distance, cube lift and grasp, for diagnosis)
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
      episodes: { type: 'string' },
      'through-node': { type: 'boolean', default: false },
      latency: { type: 'string' },
      'output-mode': { type: 'string' },
      verbose: { type: 'boolean', default: false },
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
  const model = await loadModelFromFlags({ ...values, model: values.model ?? modelDir(SIM_MODEL) });
  const log = createLogger('eval');
  try {
    const s = runSettings(values, model, 'reach');
    if (isPerturbed(s.perturbation)) log.info({ perturbation: s.perturbation }, `perturbed: ${describePerturbation(s.perturbation)}`);
    const bar = new ProgressBar({ label: `eval ${s.task}`, total: episodes });
    let ok = 0;
    const results = await evaluate(model, s, {
      episodes,
      ...(throughNode ? { throughNode: { latencyS, outputMode, log } } : {}),
      ...(values.verbose ? { onStep: (r: EpisodeStep) => console.error(stepLine(r)) } : {}),
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
    const run = summariseRun(results);
    const opt = activeOptimizer(s.planner);
    const summary = {
      task: s.task,
      policy: `jepa-mpc ${s.planner.optimizer}`,
      loop: throughNode ? 'through-node' : 'direct',
      ...(throughNode ? { outputMode, latencyS } : {}),
      model: model.manifest.name,
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
      results: results.map((r) => ({
        seed: r.seed,
        success: r.success,
        steps: r.steps,
        successStep: r.successStep,
        tcpToTarget: round(r.finalTask.tcpToTarget, 4),
        cubeToTarget: round(r.finalTask.cubeToTarget, 4),
        lifted: r.lifted,
        closestToCube: round(r.closestToCube, 4),
        closedAtCube: r.closedAtCube,
        ...(r.goalGripper.length ? { goalGripper: r.goalGripper.map((g) => round(g, 3)) } : {}),
        meanPlanMs: round(r.meanPlanMs, 1),
      })),
    };
    if (values.json) console.log(JSON.stringify(summary));
    else
      console.log(
        `${s.task} / ${summary.policy}: ${run.successes}/${episodes} successful (${(run.successRate * 100).toFixed(1)}%), mean steps ${run.meanSteps}, ${run.meanPlanMs} ms per plan`,
      );
    return 0;
  } finally {
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
