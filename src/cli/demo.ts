/**
 * `jepa-mpc demo` (what `npm start` runs): one pick-and-place episode in the built-in simulator,
 * planned zero-shot from camera frames and the end-effector state with the shipped world model.
 * Writes an animated GIF of the episode beside the goal images, a plot of the energy per step and
 * the energy landscape around the first goal, then prints the outcome.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TabletopSim } from '../../sim/tabletop.js';
import { encodeGif } from '../../sim/record.js';
import { statusName } from '../core/status.js';
import { expertGoals } from '../loop/goals.js';
import { runPlannedEpisode } from '../loop/episode.js';
import { energyLandscape } from '../loop/landscape.js';
import { graspProbe, type GraspProbe } from '../loop/grasp-probe.js';
import { rayProbe, type RayProbe } from '../loop/ray-probe.js';
import type { RgbImage } from '../model/image.js';
import { modelDir } from '../paths.js';
import { sideBySide } from '../viz/episode-video.js';
import { energySpec, landscapeSpec } from '../viz/vega/episode.js';
import { episodeReportHtml, type ReportPlot } from '../viz/vega/report.js';
import { writePlot } from '../viz/vega/write.js';
import { intFlag } from './args.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { RUN_HELP, RUN_OPTIONS, SIM_MODEL, episodeSimOptions, runSettings } from './planned-run.js';
import { ProgressBar } from './progress.js';
import { MCAP_OPTION, mcapHelp, openRecording } from './mcap-flag.js';
import type { McapRecorder } from '../record/mcap-recorder.js';

const HELP = `usage: jepa-mpc demo [options]

Runs one planned episode (default pick-and-place) in the built-in simulator and writes
<out>/demo.gif, <out>/energy.png, <out>/landscape.png (each plot with its Vega-Lite spec .vl.json and
an interactive .html page), <out>/summary.json, <out>/report.html (verdict, GIF and plots in one
page) and the episode as <out>/episode.mcap (open it in Foxglove with docs/foxglove-layout.json;
'jepa-mpc inspect').

options:
${RUN_HELP}
${MODEL_HELP.replace(`(default models/test-tiny)`, `(default models/${SIM_MODEL})`)}
  --out DIR            output folder (default out)
  --landscape N        landscape grid points per axis, 0 to skip it and the depth and grasp probes (default 9)
  --stop-on-success    end the episode when the task succeeds (default: spend every budget)
${mcapHelp('the episode', '<out>/episode.mcap')}
  --json               print the summary as JSON`;

/** Entry point of `jepa-mpc demo`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      ...RUN_OPTIONS,
      ...MCAP_OPTION,
      out: { type: 'string' },
      landscape: { type: 'string' },
      'stop-on-success': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const outDir = resolve(values.out ?? 'out');
  const landscapePoints = intFlag('landscape', values.landscape, 9, 0, 41);
  const model = await loadModelFromFlags({ ...values, model: values.model ?? modelDir(SIM_MODEL) });
  const sims: TabletopSim[] = [];
  let recorder: McapRecorder | undefined;
  try {
    const s = runSettings(values, model, 'pick-place');
    await mkdir(outDir, { recursive: true });
    recorder = await openRecording(values.mcap ?? join(outDir, 'episode.mcap'), {
      command: 'demo',
      model: model.manifest.name,
      task: s.task,
      seed: s.seed,
      optimizer: s.planner.optimizer,
      controlPeriodS: model.manifest.controlPeriodS,
      loop: 'direct',
    });
    console.error(`rendering the goal images: the scripted expert runs ${s.task} from seed ${s.seed} in a separate simulator`);
    const simOptions = episodeSimOptions(s, s.seed);
    const goals = await expertGoals(simOptions, s.task, s.seed, s.expert, s.subgoals);
    const sim = await TabletopSim.create(simOptions);
    sims.push(sim);
    const proposer = s.propose ? model.manifest.subgoalProposer : undefined;
    const stageCount = proposer ? proposer.stages.length : goals.frames.length;
    const budget = (s.subgoalSteps ?? proposer?.steps ?? goals.steps).reduce((a, b) => a + b, 0);
    const bar = new ProgressBar({ label: `demo ${s.task}`, total: budget });
    const files: Record<string, string> = {};
    const episode = await runPlannedEpisode(sim, model, goals, {
      seed: s.seed,
      planner: s.planner,
      ...(s.subgoalSteps ? { subgoalSteps: s.subgoalSteps } : {}),
      stopOnSuccess: values['stop-on-success'],
      propose: s.propose,
      keepFrames: true,
      ...(recorder ? { recorder } : {}),
      onStep: (r) =>
        bar.tick(
          1,
          `subgoal ${r.subgoal + 1}/${stageCount} E=${r.energy.toFixed(3)} ${statusName(r.status)}${r.task.success ? ' SUCCESS' : ''} ${r.planMs.toFixed(0)} ms`,
        ),
    });
    bar.finish();
    if (recorder) {
      await recorder.close();
      files['mcap'] = recorder.path;
    }

    const energies = [NaN, ...episode.records.map((r) => r.energy)];
    // The goal image shown beside each frame: its stage's given image; a proposed stage (no image) shows the final goal.
    const stageNames = proposer ? proposer.stages : goals.names;
    const shown = stageNames.map((name, g) => (g === stageNames.length - 1 ? goals.frames.length - 1 : goals.names.indexOf(name)));
    const composed = episode.frames.map((frame, i) => {
      const g = episode.frameSubgoals[i] as number;
      const given = shown[g] ?? -1;
      return sideBySide(frame, goals.frames[given >= 0 ? given : goals.frames.length - 1] as typeof frame, {
        step: i,
        subgoalName: given >= 0 ? (stageNames[g] ?? '') : `${stageNames[g] ?? ''} (proposed)`,
        energy: energies[i] as number,
        success: episode.successStep !== null && i >= episode.successStep,
      });
    });
    const first = composed[0] as NonNullable<(typeof composed)[number]>;
    files['gif'] = join(outDir, 'demo.gif');
    files['energy'] = join(outDir, 'energy.png');
    files['summary'] = join(outDir, 'summary.json');
    files['report'] = join(outDir, 'report.html');
    await writeFile(files['gif'] as string, encodeGif({ frames: composed.map((c) => c.data), width: first.width, height: first.height }, 300));
    const yLabel =
      episode.goalGripper.length && s.planner.goalGripperWeight > 0 ? `energy (mean |z - z_goal| + ${s.planner.goalGripperWeight}|g - g_goal|)` : undefined;
    const energyTitle = `${s.task} seed ${s.seed}: energy per step`;
    const plots: ReportPlot[] = [
      {
        title: energyTitle,
        files: await writePlot(
          files['energy'] as string,
          energySpec(
            episode.records.map((r) => r.energy),
            episode.switches,
            energyTitle,
            yLabel,
          ),
          energyTitle,
        ),
      },
    ];

    let spearman: number | null = null;
    let depth: RayProbe | null = null;
    let probed = 0;
    if (landscapePoints > 1) {
      const lsim = await TabletopSim.create({ ...simOptions, task: 'reach' });
      sims.push(lsim);
      const lbar = new ProgressBar({ label: 'energy landscape', total: landscapePoints ** 2 });
      const land = await energyLandscape(lsim, model, goals.frames[0] as NonNullable<(typeof goals.frames)[number]>, {
        seed: s.seed,
        center: goals.tcpPositions[0] as Float64Array,
        points: landscapePoints,
        onPoint: () => lbar.tick(),
      });
      lbar.finish();
      spearman = land.spearman;
      // Probe at the goal held highest above the table: ±4 cm along the ray must stay reachable.
      probed = goals.tcpPositions.reduce((best, p, i) => ((p[2] as number) > (goals.tcpPositions[best] as Float64Array)[2]! ? i : best), 0);
      depth = await rayProbe(lsim, model, goals.frames[probed] as RgbImage, goals.tcpPositions[probed] as Float64Array, s.seed);
      files['landscape'] = join(outDir, 'landscape.png');
      const landscapeTitle = 'energy landscape around goal 1';
      plots.push({ title: landscapeTitle, files: await writePlot(files['landscape'], landscapeSpec(land), landscapeTitle) });
    }
    // At the 'grasped' goal's pose with the fingers open: does the model want to close them?
    const graspIndex = goals.names.indexOf('grasped');
    let grasp: GraspProbe | null = null;
    if (landscapePoints > 1 && graspIndex >= 0 && model.manifest.planning.gripperIndex !== null) {
      grasp = await graspProbe(
        sim,
        model,
        goals.frames[graspIndex] as RgbImage,
        goals.tcpPositions[graspIndex] as Float64Array,
        s.seed,
        s.planner.goalGripperWeight,
      );
    }
    const summary = {
      task: s.task,
      seed: s.seed,
      model: model.manifest.name,
      provider: model.provider,
      optimizer: s.planner.optimizer,
      success: episode.success,
      successStep: episode.successStep,
      steps: episode.steps,
      meanPlanMs: Math.round(episode.meanPlanMs),
      final: episode.finalTask,
      landscapeSpearman: spearman,
      // Energy 4 cm from a goal along the camera ray vs across it: depth sensitivity.
      depthProbe: depth && { ...depth, goal: goals.names[probed] },
      // Energy to the 'grasped' goal at its pose: fingers open vs closed, predicted close vs hold.
      graspProbe: grasp,
      goalGripper: episode.goalGripper.length ? Object.fromEntries(stageNames.map((n, i) => [n, episode.goalGripper[i]])) : null,
      goalGripperWeight: s.planner.goalGripperWeight,
      files,
    };
    await writeFile(files['summary'] as string, `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(files['report'] as string, episodeReportHtml(reportOf(summary, plots)));
    if (values.json) console.log(JSON.stringify(summary));
    else {
      const f = episode.finalTask;
      console.log(
        `${s.task} seed ${s.seed}: ${episode.success ? `SUCCESS at step ${episode.successStep}` : 'not solved'} in ${episode.steps} steps, ${summary.meanPlanMs} ms per plan on ${model.provider}`,
      );
      console.log(
        `  final: tool→target ${(f.tcpToTarget * 100).toFixed(1)} cm, cube→target ${(f.cubeToTarget * 100).toFixed(1)} cm, cube lift ${(f.cubeLift * 100).toFixed(1)} cm`,
      );
      if (spearman !== null) console.log(`  energy landscape rank correlation with distance: ${spearman.toFixed(2)}`);
      if (depth) {
        console.log(
          `  energy ${depth.distance * 100} cm from the '${goals.names[probed] ?? ''}' goal: along the camera ray ${depth.along.toFixed(3)}, across it ${depth.horizontal.toFixed(3)} (horizontal) / ${depth.vertical.toFixed(3)} (vertical)`,
        );
      }
      if (grasp) {
        const verdict = grasp.predictedClose < grasp.predictedHold ? 'closes' : 'does not close';
        console.log(
          `  fingers open at the 'grasped' pose: energy open ${grasp.open.toFixed(3)}, after closing ${grasp.closed.toFixed(3)}; predicted close ${grasp.predictedClose.toFixed(3)} vs hold ${grasp.predictedHold.toFixed(3)} (the planner ${verdict})`,
        );
      }
      if (episode.goalGripper.length) {
        const read = goals.names.map((n, i) => `${n} ${(episode.goalGripper[i] as number).toFixed(2)}`).join(', ');
        console.log(`  goal readout (gripper closedness each goal image shows): ${read}; goal-gripper weight ${s.planner.goalGripperWeight}`);
      }
      console.log(`  wrote ${Object.values(files).join(', ')}`);
    }
    return 0;
  } finally {
    await recorder?.close().catch(() => undefined); // already closed after a good run; after a failure, keep what was written
    for (const sim of sims) sim.close();
    await model.close();
  }
}

/** The demo summary's fields the report shows. */
interface ReportedSummary {
  readonly task: string;
  readonly seed: number;
  readonly model: string;
  readonly provider: string;
  readonly optimizer: string;
  readonly success: boolean;
  readonly successStep: number | null;
  readonly steps: number;
  readonly meanPlanMs: number;
  readonly final: { readonly tcpToTarget: number; readonly cubeToTarget: number; readonly cubeLift: number };
  readonly landscapeSpearman: number | null;
  readonly files: Readonly<Record<string, string>>;
}

/** The episode report of a demo run: verdict, figures, the GIF and the plots, links to the other files. */
function reportOf(s: ReportedSummary, plots: readonly ReportPlot[]) {
  const cm = (m: number) => `${(m * 100).toFixed(1)} cm`;
  const links: Record<string, string> = { 'summary (JSON)': s.files['summary'] as string };
  if (s.files['mcap']) links['recording (MCAP, open in Foxglove)'] = s.files['mcap'];
  return {
    title: `${s.task} seed ${s.seed}: ${s.model}`,
    verdict: s.success ? `SUCCESS at step ${s.successStep}` : `not solved in ${s.steps} steps`,
    success: s.success,
    figures: [
      ['model', `${s.model} on ${s.provider}, ${s.optimizer}`],
      ['steps', String(s.steps)],
      ['time per plan', `${s.meanPlanMs} ms`],
      ['final tool → target', cm(s.final.tcpToTarget)],
      ['final cube → target', cm(s.final.cubeToTarget)],
      ['cube lift', cm(s.final.cubeLift)],
      ...(s.landscapeSpearman !== null ? [['landscape rank correlation', s.landscapeSpearman.toFixed(2)] as const] : []),
    ] as const,
    gif: s.files['gif'] as string,
    plots,
    links,
  };
}
