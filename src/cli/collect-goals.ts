/**
 * `jepa-mpc collect-goals`: records goal sets (first frame + the scripted expert's goal frames +
 * its states) for training a subgoal proposer (src/data/goal-sets.ts). The simulator options are
 * the model's (image size, shadows, control period), as `eval` renders its goal images.
 */
import { collectGoalSets } from '../data/goal-sets.js';
import { SUBGOAL_SCHEMES } from '../loop/goals.js';
import { commandFlags, intFlag, choiceFlag } from './args.js';
import { CliError } from './cli-error.js';
import { precisionFlag } from './model-flags.js';
import { loadManifest } from '../model/manifest.js';
import { PERTURBATION_OPTIONS, perturbationFlagValues, runSettings, SIM_MODEL } from './planned-run.js';
import { isPerturbed } from '../../sim/perturb.js';
import { modelDir } from '../paths.js';
import { ProgressBar } from './progress.js';
import { randomiseFlag } from './randomise-flag.js';
import { RANDOMISABLE } from '../../sim/randomise.js';

const HELP = `usage: jepa-mpc collect-goals --episodes N --out DIR [options]

Records, per layout seed, the first frame and the goal frames of a subgoal scheme made by the
scripted expert (as eval makes them), with the expert's state at each: a subgoal proposer's
training data (models/jepa_ac/proposer.py).

options:
  --episodes N     layout seeds S, S+1, … (required)
  --out DIR        output folder (created)
  --seed S         first layout seed (default 1000; eval uses 0–39)
  --subgoals NAME  ${SUBGOAL_SCHEMES.join('|')} (default waypoints)
  --model DIR      the model whose image size, shadows and control period to render with (default models/${SIM_MODEL})
  --precision P    read the folder's manifest of that precision (the settings above are every precision's)
  --randomise LIST vary each set's appearance, seeded by its layout seed, as \`collect --randomise\` does:
                   any of ${RANDOMISABLE.join(',')} or all
  --light-azimuth DEG, --light-elevation DEG, --light-intensity X, --camera-jitter CM,DEG,
  --cube-colour C, --table-colour C, --distractors N
                   every set drawn under one of eval's perturbations (the camera moved per seed, as
                   eval moves it): held-out sets of an eval case, to score a proposer on
  --json           print the manifest as JSON`;

/** Entry point of `jepa-mpc collect-goals`. */
export async function main(argv: string[]): Promise<number> {
  const values = commandFlags('collect-goals', argv, {
    episodes: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    subgoals: { type: 'string' },
    model: { type: 'string' },
    precision: { type: 'string' },
    randomise: { type: 'string' },
    ...PERTURBATION_OPTIONS,
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.episodes === undefined || values.out === undefined)
    throw new CliError('--episodes and --out are required (jepa-mpc collect-goals --help lists the options)');
  const count = intFlag('episodes', values.episodes, 0, 1, 1_000_000);
  const { manifest } = await loadManifest(values.model ?? modelDir(SIM_MODEL), precisionFlag(values.precision));
  const s = runSettings({ task: 'pick-place', ...perturbationFlagValues(values) }, { manifest }, 'pick-place');
  const bar = new ProgressBar({ label: 'collect-goals', total: count });
  const out = await collectGoalSets({
    outDir: values.out,
    seed: intFlag('seed', values.seed, 1000),
    count,
    task: s.task,
    scheme: choiceFlag('subgoals', values.subgoals, SUBGOAL_SCHEMES, 'waypoints'),
    sim: s.sim,
    expert: s.expert,
    randomise: randomiseFlag(values.randomise),
    ...(isPerturbed(s.perturbation) ? { perturbation: s.perturbation } : {}),
    onProgress: () => bar.tick(1),
  });
  bar.finish();
  if (values.json) console.log(JSON.stringify(out));
  else
    console.log(
      `wrote ${out.count} goal sets (${out.names.join(', ')}) of ${out.width}x${out.height} to ${values.out}${out.skipped.length ? `; skipped seeds ${out.skipped.join(', ')}` : ''}`,
    );
  return 0;
}
