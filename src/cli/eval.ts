/**
 * `jepa-mpc eval`: success rate of the planner over seeded episodes of a task in the built-in
 * simulator, goals given as images rendered by the scripted expert from the same layouts.
 * Per-episode lines with a progress bar and a summary; `--json` prints one object with task,
 * policy, episodes, successes, successRate, meanPlanMs, meanSteps and the per-episode results.
 */
import { parseArgs } from 'node:util';
import { TabletopSim } from '../../sim/tabletop.js';
import { activeOptimizer } from '../core/mpc.js';
import { statusName } from '../core/status.js';
import { runPlannedEpisode, type EpisodeStep, type PlannedEpisode } from '../loop/episode.js';
import { expertGoals } from '../loop/goals.js';
import { modelDir } from '../paths.js';
import { createLogger } from '../log.js';
import { runThroughNodeEpisode } from '../loop/through-node.js';
import { choiceFlag, intFlag, numberFlag } from './args.js';
import { CliError } from './cli-error.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { RUN_HELP, RUN_OPTIONS, SIM_MODEL, episodeSimOptions, runSettings } from './planned-run.js';
import { describePerturbation, isPerturbed } from '../../sim/perturb.js';
import { ProgressBar } from './progress.js';
import { median, round } from './table.js';

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
  if (!throughNode && (values.latency !== undefined || values['output-mode'] !== undefined)) throw new CliError('--latency and --output-mode need --through-node');
  const model = await loadModelFromFlags({ ...values, model: values.model ?? modelDir(SIM_MODEL) });
  let sim: TabletopSim | undefined;
  const log = createLogger('eval');
  try {
    const s = runSettings(values, model, 'reach');
    const perturbed = isPerturbed(s.perturbation);
    if (perturbed) log.info({ perturbation: s.perturbation }, `perturbed: ${describePerturbation(s.perturbation)}`);
    sim = await TabletopSim.create(s.sim);
    const bar = new ProgressBar({ label: `eval ${s.task}`, total: episodes });
    const results: PlannedEpisode[] = [];
    for (let k = 0; k < episodes; k++) {
      const seed = s.seed + k;
      const simOptions = episodeSimOptions(s, seed);
      const goals = await expertGoals(simOptions, s.task, seed, s.expert, s.subgoals);
      // A perturbed camera moves per episode: a simulator of its own (the unperturbed run shares one).
      const epSim: TabletopSim = perturbed ? await TabletopSim.create(simOptions) : sim;
      const onStep = values.verbose ? (r: EpisodeStep) => console.error(stepLine(r)) : undefined;
      const common = { seed, ...(s.subgoalSteps ? { subgoalSteps: s.subgoalSteps } : {}), ...(onStep ? { onStep } : {}) };
      const ep = throughNode
        ? await runThroughNodeEpisode(epSim, model, goals, { ...common, params: { ...s.plannerSettings, output_mode: outputMode, propose_stages: s.propose }, latencyS, log })
        : await runPlannedEpisode(epSim, model, goals, { ...common, planner: s.planner, propose: s.propose });
      if (epSim !== sim) epSim.close();
      results.push(ep);
      const f = ep.finalTask;
      const line =
        `episode ${String(k).padStart(3)}  seed ${String(seed).padStart(6)}  ${ep.success ? 'success' : 'failure'}  steps ${String(ep.steps).padStart(3)}  ` +
        `tool→target ${(f.tcpToTarget * 100).toFixed(1)} cm  cube→target ${(f.cubeToTarget * 100).toFixed(1)} cm  closest to cube ${(ep.closestToCube * 100).toFixed(1)} cm${ep.closedAtCube ? '  closed at cube' : ''}${ep.lifted ? '  lifted' : ''}  plan ${ep.meanPlanMs.toFixed(0)} ms`;
      if (!values.json) console.log(line);
      bar.tick(1, `${results.filter((r) => r.success).length}/${results.length} ok`);
    }
    bar.finish();
    const successes = results.filter((r) => r.success).length;
    const opt = activeOptimizer(s.planner);
    const summary = {
      task: s.task,
      policy: `jepa-mpc ${s.planner.optimizer}`,
      loop: throughNode ? 'through-node' : 'direct',
      ...(throughNode ? { outputMode, latencyS } : {}),
      model: model.manifest.name,
      provider: model.provider,
      episodes,
      successes,
      successRate: successes / episodes,
      // Episodes where the planner held the cube off the table at some point (pick-and-place: the grasp worked).
      lifted: results.filter((r) => r.lifted).length,
      // Episodes where the gripper closed with the tool within 2 cm of the cube (a grasp attempt), and the median closest approach.
      closedAtCube: results.filter((r) => r.closedAtCube).length,
      medianClosestToCube: round(median(results.map((r) => r.closestToCube)), 4),
      subgoals: s.subgoals,
      propose: s.propose,
      perturbation: { ...s.perturbation, description: describePerturbation(s.perturbation) },
      meanPlanMs: round(results.reduce((a, r) => a + r.meanPlanMs, 0) / episodes, 1),
      meanSteps: round(results.reduce((a, r) => a + r.steps, 0) / episodes, 2),
      seed: s.seed,
      samples: opt.samples,
      iterations: opt.iterations,
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
    else console.log(`${s.task} / ${summary.policy}: ${successes}/${episodes} successful (${(summary.successRate * 100).toFixed(1)}%), mean steps ${summary.meanSteps}, ${summary.meanPlanMs} ms per plan`);
    return 0;
  } finally {
    sim?.close();
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
