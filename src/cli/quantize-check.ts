/**
 * `jepa-mpc quantize-check`: does a quantised variant of a model (its int8 or fp16-weights
 * manifest; models/jepa_ac/quantize.py) plan like the fp32 model? Runs `eval`'s seeded episodes
 * with the fp32 model planning (`--precision`, default fp32, also beside an int8 default; seeds
 * S, S+1, … until --states plans were made)
 * and scores every frame and every candidate batch of those plans with each variant as well
 * ({@link ComparingModel}): latent error, energy error, the Spearman rank correlation of each
 * batch's energies, top-k agreement and how often the best candidate is the same. Prints a table,
 * or one JSON object with --json.
 */
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ComparingModel, type BatchComparison, type VariantComparison } from '../model/comparing-model.js';
import { PRECISIONS, resolveManifestPath } from '../model/manifest.js';
import { OnnxWorldModel } from '../model/onnx-world-model.js';
import { PROVIDERS } from '../model/worker-protocol.js';
import { modelDir } from '../paths.js';
import { choiceFlag, intFlag } from './args.js';
import { CliError } from './cli-error.js';
import { evaluate } from './evaluation.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { RUN_OPTIONS, SIM_MODEL, runSettings } from './planned-run.js';
import { ProgressBar } from './progress.js';
import { formatTable, median, round } from './table.js';

/** The issue's bar for a quantised model's ranking (issue 32): Spearman and top-10 agreement. */
export const RANKING_BAR = { spearman: 0.98, topK: 0.8 } as const;
/** Batches smaller than this (the final mean's single evaluation) carry no ranking. */
const MIN_BATCH = 20;

const HELP = `usage: jepa-mpc quantize-check --against LIST [options]

Plans eval's seeded episodes with the fp32 model and scores every frame and candidate batch with
each quantised variant too: latent and energy error, Spearman of each batch's energies, top-k
agreement, same best candidate.

options:
  --against LIST       comma-separated variants: precisions of the model folder (int8,fp16-weights;
                       resolved as --precision is) or manifest paths (with a slash)
  --states N           planning states (plans) compared (default 200)
  --task NAME          task of the episodes (default pick-place)
  --seed S             first episode seed (default 0)
  --top-k K            top-k agreement's k (default 10)
${MODEL_HELP.replace(`(default models/test-tiny)`, `(default models/${SIM_MODEL})`)}
                       (here the reference the variants are compared with: default fp32)
  --json               print one JSON object`;

/** One variant's figures over the compared plans. */
export interface VariantSummary {
  readonly name: string;
  readonly precision: string;
  readonly states: number;
  readonly batches: number;
  readonly latentMaxAbs: number;
  readonly latentMeanAbs: number;
  readonly energyMaxAbs: number;
  readonly energyMeanAbs: number;
  /** Median over batches of (mean |Δenergy|) / (the batch's energy spread). */
  readonly energyErrorOfSpread: number;
  readonly spearmanMean: number;
  readonly spearmanMin: number;
  /** 5th percentile over batches. */
  readonly spearmanP5: number;
  readonly topKMean: number;
  readonly topKMin: number;
  readonly sameBest: number;
  /** Spearman mean ≥ {@link RANKING_BAR}.spearman and top-k mean ≥ its topK. */
  readonly meetsBar: boolean;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))] as number;
}

/** Summarises one variant's recorded batches (those of the first `states` plans, of at least MIN_BATCH candidates). */
export function summariseVariant(v: VariantComparison, precision: string, states: number): VariantSummary {
  const b: BatchComparison[] = v.batches.filter((x) => x.plan < states && x.batch >= MIN_BATCH);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : NaN);
  const rho = b.map((x) => x.spearman).sort((x, y) => x - y);
  const topK = b.map((x) => x.topK);
  const spearmanMean = mean(rho);
  const topKMean = mean(topK);
  return {
    name: v.name,
    precision,
    states: new Set(b.map((x) => x.plan)).size,
    batches: b.length,
    latentMaxAbs: v.latents.maxAbs,
    latentMeanAbs: v.latents.meanAbs,
    energyMaxAbs: Math.max(0, ...b.map((x) => x.maxAbsEnergy)),
    energyMeanAbs: mean(b.map((x) => x.meanAbsEnergy)),
    energyErrorOfSpread: median(b.map((x) => (x.energySpread > 0 ? x.meanAbsEnergy / x.energySpread : 0))),
    spearmanMean,
    spearmanMin: rho[0] ?? NaN,
    spearmanP5: quantile(rho, 0.05),
    topKMean,
    topKMin: Math.min(...topK),
    sameBest: mean(b.map((x) => (x.sameBest ? 1 : 0))),
    meetsBar: spearmanMean >= RANKING_BAR.spearman && topKMean >= RANKING_BAR.topK,
  };
}

/** `--against` entries: a path (with a slash), or a precision of the model's folder (resolved as `--precision` is). */
export function variantPaths(list: string, dir: string): string[] {
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new CliError('--against needs at least one manifest (e.g. int8 or DIR/manifest-int8.json)');
  const folder = dir.endsWith('.json') ? dirname(dir) : dir;
  return items.map((s) => (s.includes('/') ? s : resolveManifestPath(folder, choiceFlag('against', s, PRECISIONS, 'int8'))));
}

/** Entry point of `jepa-mpc quantize-check`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      ...RUN_OPTIONS,
      against: { type: 'string' },
      states: { type: 'string' },
      'top-k': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.against === undefined) throw new CliError(`--against is required\n\n${HELP}`);
  const dir = values.model ?? modelDir(SIM_MODEL);
  const paths = variantPaths(values.against, dir);
  const states = intFlag('states', values.states, 200, 1, 100_000);
  const topK = intFlag('top-k', values['top-k'], 10, 1, 10_000);
  const threads = intFlag('threads', values.threads, 0, 0, 256);
  const provider = choiceFlag('provider', values.provider, PROVIDERS, 'cpu');
  const reference = await loadModelFromFlags({ ...values, model: dir, precision: values.precision ?? (dir.endsWith('.json') ? undefined : 'fp32') });
  const variants: { name: string; model: OnnxWorldModel }[] = [];
  try {
    for (const p of paths) variants.push({ name: p, model: await OnnxWorldModel.load(p, { provider, intraOpThreads: threads }) });
    const model = new ComparingModel(reference, variants, { topK });
    const s = runSettings({ ...values, task: values.task ?? 'pick-place' }, reference, 'pick-place');
    const bar = new ProgressBar({ label: 'quantize-check', total: states });
    let episodes = 0;
    let shown = 0;
    while (model.planCount < states) {
      await evaluate(model, { ...s, seed: s.seed + episodes }, { episodes: 1 });
      episodes++;
      bar.tick(Math.min(model.planCount, states) - shown, `${episodes} episodes`);
      shown = Math.min(model.planCount, states);
    }
    bar.finish();
    const rows = model.results().map((v, i) => summariseVariant(v, (variants[i] as { model: OnnxWorldModel }).model.manifest.precision, states));
    const out = {
      model: reference.manifest.name,
      reference: reference.manifest.precision,
      task: s.task,
      firstSeed: s.seed,
      episodes,
      states,
      optimizer: s.planner.optimizer,
      topK,
      bar: RANKING_BAR,
      variants: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? round(v, 6) : v]))),
    };
    if (values.json) {
      console.log(JSON.stringify(out));
    } else {
      console.log(
        `${out.model}: ${out.reference} plans ${states} states of ${s.task} (${episodes} episodes from seed ${s.seed}); every batch scored by each variant too\n`,
      );
      console.log(
        formatTable(
          [
            'variant',
            'precision',
            'batches',
            'latent max|d|',
            'energy max|d|',
            'energy mean|d|',
            'd / spread',
            'Spearman mean',
            'p5',
            'min',
            `top-${topK} mean`,
            'min',
            'same best',
            'bar',
          ],
          rows.map((r) => [
            r.name,
            r.precision,
            r.batches,
            round(r.latentMaxAbs, 5),
            round(r.energyMaxAbs, 5),
            round(r.energyMeanAbs, 6),
            round(r.energyErrorOfSpread, 4),
            round(r.spearmanMean, 4),
            round(r.spearmanP5, 4),
            round(r.spearmanMin, 4),
            round(r.topKMean, 3),
            round(r.topKMin, 2),
            round(r.sameBest, 3),
            r.meetsBar ? 'meets' : 'below',
          ]),
        ),
      );
      console.log(
        `\nbar (issue 32): Spearman >= ${RANKING_BAR.spearman}, top-${topK} agreement >= ${RANKING_BAR.topK} (means over batches of >= ${MIN_BATCH} candidates)`,
      );
    }
    return 0;
  } finally {
    for (const v of variants) await v.model.close();
    await reference.close();
  }
}
