/**
 * `jepa-mpc collect`: records a training dataset in the built-in simulator — noisy scripted
 * pick-and-place, waypoint reaching, smooth random motion and expert-then-random episodes — in the
 * format of docs/dataset-format.md. Deterministic per seed; parallel over worker threads.
 */
import { RANDOMISABLE, RANDOMISE_RANGES } from '../../sim/randomise.js';
import { randomiseFlag } from './randomise-flag.js';
import { COLLECT_DEFAULTS, collectDataset } from '../data/collect.js';
import { COLLECT_MIXES, IMAGE_SIZES } from '../data/format.js';
import { MAX_DATASET_SEED, MAX_EPISODES } from '../data/episode.js';
import { commandFlags, choiceFlag, intFlag } from './args.js';
import { CliError } from './cli-error.js';
import { ProgressBar } from './progress.js';
import { previewSheet } from '../data/preview.js';
import { writeFile } from 'node:fs/promises';

const HELP = `usage: jepa-mpc collect --episodes N --out DIR [options]

Records episodes in the built-in MuJoCo tabletop for training a world model.

options:
  --episodes N     number of episodes (required)
  --out DIR        output folder (created; see docs/dataset-format.md)
  --seed S         dataset seed (default 0); same seed and options => same bytes
  --size PX        image side: ${IMAGE_SIZES.join('|')} (default ${COLLECT_DEFAULTS.size})
  --steps N        actions per episode (default ${COLLECT_DEFAULTS.steps})
  --workers K      worker threads (default ${COLLECT_DEFAULTS.workers})
  --shard N        episodes per shard file (default ${COLLECT_DEFAULTS.episodesPerShard})
  --mix NAME       policy mix: general (free motion + demonstrations) | grasp (mostly grasping near the cube) (default general)
  --shadows        draw the arm's and cubes' shadows on the table (a depth cue; default off)
  --randomise LIST vary each episode's appearance, seeded by its layout (domain randomisation): any of
                   ${RANDOMISABLE.join(',')} or all — light: from any azimuth, elevation ${RANDOMISE_RANGES.lightElevationDeg.join('-')} deg,
                   intensity x${RANDOMISE_RANGES.lightIntensity.join('-')}; camera: moved <= ${RANDOMISE_RANGES.cameraCm} cm, turned <= ${RANDOMISE_RANGES.cameraDeg} deg; colour: the cube's
                   hue, saturation, brightness; table: its colour, chequered in ${RANDOMISE_RANGES.tableCheckerProbability * 100}% of episodes;
                   distractors: ${RANDOMISE_RANGES.distractors.join('-')} cubes of random colours; shadows: off in ${RANDOMISE_RANGES.shadowsOffProbability * 100}% of episodes
  --twin           with --randomise: also draw every frame under a second randomised appearance of
                   its episode (twin-frames.u8): the same state in two looks, for an invariance loss
  --wrist          also record the hand camera's frames (wrist-frames.u8; views front, wrist) for a
                   two-view world model; not with --counterfactual
  --counterfactual branch every step: also keep the frame the other gripper choice leads to
                   (hold instead of closing/opening, toggle instead of holding); ~2x time and space
  --preview FILE.png  collect nothing: draw the first frames of the first --episodes (default 16)
                   episodes, as this collection would draw them, into a contact sheet
  --force          replace a dataset already in DIR
  --json           print the manifest summary as JSON`;

function parse(argv: string[]) {
  return commandFlags('collect', argv, {
    episodes: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    size: { type: 'string' },
    steps: { type: 'string' },
    workers: { type: 'string' },
    shard: { type: 'string' },
    mix: { type: 'string' },
    shadows: { type: 'boolean', default: false },
    counterfactual: { type: 'boolean', default: false },
    wrist: { type: 'boolean', default: false },
    randomise: { type: 'string' },
    twin: { type: 'boolean', default: false },
    preview: { type: 'string' },
    force: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
}

/** Entry point of `jepa-mpc collect`. */
export async function main(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const size = intFlag('size', values.size, COLLECT_DEFAULTS.size, 1, 4096);
  if (!(IMAGE_SIZES as readonly number[]).includes(size)) throw new CliError(`--size must be one of ${IMAGE_SIZES.join('|')}, got '${values.size}'`);
  if (values.preview !== undefined) return preview(values.preview, values, size);
  if (values.episodes === undefined || values.out === undefined)
    throw new CliError('--episodes and --out are required (jepa-mpc collect --help lists the options)');
  const episodes = intFlag('episodes', values.episodes, 0, 1, MAX_EPISODES);
  const started = performance.now();
  const bar = new ProgressBar({ label: 'collect', total: episodes });
  let manifest;
  try {
    manifest = await collectDataset({
      outDir: values.out,
      episodes,
      seed: intFlag('seed', values.seed, 0, 0, MAX_DATASET_SEED),
      size,
      steps: intFlag('steps', values.steps, COLLECT_DEFAULTS.steps, 1, 1000),
      workers: intFlag('workers', values.workers, COLLECT_DEFAULTS.workers, 1, 64),
      episodesPerShard: intFlag('shard', values.shard, COLLECT_DEFAULTS.episodesPerShard, 1, MAX_EPISODES),
      mix: choiceFlag('mix', values.mix, COLLECT_MIXES, 'general'),
      shadows: values.shadows,
      counterfactual: values.counterfactual,
      wrist: values.wrist,
      randomise: randomiseFlag(values.randomise),
      twin: values.twin,
      force: values.force,
      onProgress: (_done, kind) => bar.tick(1, kind),
    });
  } catch (error) {
    if (error instanceof RangeError || (error instanceof Error && /already holds a dataset/.test(error.message))) throw new CliError(error.message);
    throw error;
  }
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  const bytes = manifest.shards.reduce((n, s) => n + Object.values(s.files).reduce((m, f) => m + f.bytes, 0), 0);
  const summary = {
    out: values.out,
    episodes: manifest.episodes,
    frames: manifest.frames,
    shards: manifest.shards.length,
    bytes,
    seconds: Math.round(seconds * 10) / 10,
    kindCounts: manifest.kindCounts,
  };
  if (values.json) console.log(JSON.stringify(summary));
  else
    console.log(
      `wrote ${summary.episodes} episodes, ${summary.frames} frames, ${summary.shards} shards, ${(bytes / 2 ** 20).toFixed(1)} MiB${manifest.counterfactual ? ' (with counterfactual frames)' : ''}${manifest.views.length > 1 ? ` (views ${manifest.views.join(', ')})` : ''} to ${summary.out} in ${summary.seconds} s (${Object.entries(
        summary.kindCounts,
      )
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    );
  return 0;
}

/** Episodes a preview sheet shows unless --episodes says otherwise. */
const PREVIEW_EPISODES = 16;
/** Most episodes a preview sheet shows. */
const MAX_PREVIEW_EPISODES = 256;

/** `collect --preview FILE.png`: the contact sheet instead of a collection. */
async function preview(file: string, values: ReturnType<typeof parse>, size: number): Promise<number> {
  if (!file.endsWith('.png')) throw new CliError(`--preview must name a .png file, got '${file}'`);
  const sheet = await previewSheet({
    seed: intFlag('seed', values.seed, 0, 0, MAX_DATASET_SEED),
    episodes: intFlag('episodes', values.episodes, PREVIEW_EPISODES, 1, MAX_PREVIEW_EPISODES),
    size,
    mix: choiceFlag('mix', values.mix, COLLECT_MIXES, 'general'),
    shadows: values.shadows,
    randomise: randomiseFlag(values.randomise),
  });
  await writeFile(file, sheet.toPng());
  console.log(`wrote ${file} (${sheet.width}x${sheet.height})`);
  return 0;
}
