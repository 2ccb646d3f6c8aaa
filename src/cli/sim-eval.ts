/**
 * `jepa-mpc sim-eval`: runs a built-in policy (scripted expert or random actions) on a task of
 * the built-in tabletop simulator for N seeded episodes; prints a line per episode and a summary,
 * or one JSON object with --json; --record saves the first episode as a GIF or PNG strip.
 */
import { evaluatePolicy, POLICY_NAMES, type EpisodeResult } from '../../sim/evaluate.js';
import { saveRecording } from '../../sim/record.js';
import { TabletopSim } from '../../sim/tabletop.js';
import { TASK_NAMES } from '../../sim/tasks.js';
import { commandFlags, choiceFlag, intFlag, numberFlag } from './args.js';
import { CliError } from './cli-error.js';
import { ProgressBar } from './progress.js';
import { round } from './table.js';

const HELP = `usage: jepa-mpc sim-eval [options]

Runs a built-in policy on the built-in MuJoCo tabletop and reports its success rate.

options:
  --task T          ${TASK_NAMES.join('|')} (default pick-place)
  --policy P        ${POLICY_NAMES.join('|')} (default scripted)
  --episodes N      number of episodes (default 20)
  --seed S          seed of the first episode; episode i uses S + i (default 0)
  --max-steps N     control steps per episode (default: reach 30, grasp 40, pick-place 60)
  --size PX         camera image side in pixels, 16-1024 (default 128)
  --cubes N         1, or 2 to add a distractor cube (default 1)
  --period S        control period in seconds (default 0.25)
  --record FILE     save episode 0 as an animated .gif or a .png strip
  --json            print one JSON object instead of lines and a summary`;

/** Frames kept after success in the recorded episode, so the end is visible. */
const RECORD_EXTRA_STEPS = 4;
const MAX_EPISODES = 100_000;
const MAX_SEED = 2 ** 31 - 1;

function parse(argv: string[]) {
  return commandFlags('sim-eval', argv, {
    task: { type: 'string' },
    policy: { type: 'string' },
    episodes: { type: 'string' },
    seed: { type: 'string' },
    'max-steps': { type: 'string' },
    size: { type: 'string' },
    cubes: { type: 'string' },
    period: { type: 'string' },
    record: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
}

function episodeLine(r: EpisodeResult): string {
  const t = r.final;
  const metric =
    t.name === 'reach'
      ? `tcp→target ${(100 * t.tcpToTarget).toFixed(1)} cm`
      : t.name === 'grasp'
        ? `lift ${(100 * t.cubeLift).toFixed(1)} cm, held ${t.held}`
        : `cube→target ${(100 * t.cubeToTarget).toFixed(1)} cm, lift ${(100 * t.cubeLift).toFixed(1)} cm`;
  return `episode ${String(r.index).padStart(3)}  seed ${String(r.seed).padStart(6)}  ${r.success ? 'success' : 'FAIL   '}  steps ${String(r.steps).padStart(3)}  ${metric}`;
}

/** Entry point of `jepa-mpc sim-eval`. */
export async function main(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const task = choiceFlag('task', values.task, TASK_NAMES, 'pick-place');
  const policy = choiceFlag('policy', values.policy, POLICY_NAMES, 'scripted');
  const episodes = intFlag('episodes', values.episodes, 20, 1, MAX_EPISODES);
  const seed = intFlag('seed', values.seed, 0, 0, MAX_SEED);
  const size = intFlag('size', values.size, 128, 16, 1024);
  const cubes = intFlag('cubes', values.cubes, 1, 1, 2) as 1 | 2;
  const period = numberFlag('period', values.period, 0.25, 0.01, 2);
  const maxSteps = values['max-steps'] === undefined ? undefined : intFlag('max-steps', values['max-steps'], 1, 1, 100_000);
  const record = values.record;
  if (record !== undefined && !/\.(gif|png)$/i.test(record)) throw new CliError(`--record must name a .gif or .png file, got '${record}'`);

  const sim = await TabletopSim.create({
    task,
    controlPeriod: period,
    scene: { cubeCount: cubes },
    camera: { width: size, height: size },
    render: record !== undefined,
    ...(maxSteps === undefined ? {} : { maxSteps }),
  });
  const frames: Uint8Array[] = [];
  const bar = new ProgressBar({ label: `sim-eval ${task}/${policy}`, total: episodes });
  let successes = 0;
  try {
    const summary = evaluatePolicy(sim, {
      policy,
      episodes,
      seed,
      recordExtraSteps: RECORD_EXTRA_STEPS,
      ...(record === undefined ? {} : { onFirstEpisodeFrame: (obs) => frames.push(obs.rgb) }),
      onEpisode: (r) => {
        successes += r.success ? 1 : 0;
        if (!values.json) console.log(episodeLine(r));
        bar.tick(1, `${successes}/${r.index + 1} ok`);
      },
    });
    bar.finish(`${successes}/${episodes} ok`);
    if (record !== undefined) {
      await saveRecording(record, { frames, width: size, height: size }, Math.round(period * 1000));
      console.error(`recorded episode 0 (${frames.length} frames) to ${record}`);
    }
    if (values.json) {
      const { results, ...rest } = summary;
      console.log(
        JSON.stringify({
          ...rest,
          successRate: round(rest.successRate, 4),
          meanSteps: round(rest.meanSteps, 2),
          meanStepsToSuccess: Number.isNaN(rest.meanStepsToSuccess) ? null : round(rest.meanStepsToSuccess, 2),
          results: results.map((r) => ({ seed: r.seed, success: r.success, steps: r.steps })),
        }),
      );
    } else {
      console.log(
        `${task} / ${policy}: ${summary.successes}/${summary.episodes} successful (${(100 * summary.successRate).toFixed(1)}%), ` +
          `mean steps ${summary.meanSteps.toFixed(1)}, seeds ${seed}..${seed + episodes - 1}`,
      );
    }
  } finally {
    sim.close();
  }
  return 0;
}
