/**
 * `jepa-mpc bench`: how long one planning step takes with a world model, comparing side by side
 * in one process the batched planner (one rollout run per CEM iteration) against naive
 * per-candidate evaluation (one run per candidate), plus iCEM, MPPI, the paper's 800 x 10 and
 * longer horizons where the model has them. It also says how close to the machine that is: the
 * rollout's GFLOP/s (the manifest's matmulFlopsPerCandidate over the time inside the model) next
 * to the same run's MatMul ceiling (a GEMM micro-benchmark in onnxruntime-node, same threads), and,
 * where Debian's torch and the model's weights.pt are present, the same CEM in PyTorch (ratio).
 * Where the model folder holds other precisions (manifest-<precision>.json beside its default:
 * sim-jepa-ac's fp32 beside its int8 default, test-tiny's int8 beside fp32; models/jepa_ac/quantize.py)
 * it also times the model's own planner on each precision, the precisions' timed plans interleaved
 * round by round so drifting load falls on all alike, fp32 first and the baseline of the ratios,
 * with GFLOP/s counted as fp32-equivalent (the same FLOPs per candidate) and the int8 GEMM ceiling
 * (MatMulInteger) of the same run beside the fp32 one. Prints a table, or one JSON object with --json.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { activeOptimizer, MpcPlanner, type OptimizerName, type PlannerConfig } from '../core/mpc.js';
import { CEM_DEFAULTS } from '../core/cem.js';
import { MPPI_DEFAULTS } from '../core/mppi.js';
import { createRng } from '../core/rng.js';
import { PlannerStatus, statusName } from '../core/status.js';
import type { EnergyModel, Latents } from '../core/types.js';
import { OnnxWorldModel } from '../model/onnx-world-model.js';
import { resolvePlannerConfig, UNSET } from '../model/planner-settings.js';
import { GEMM_SHAPES, GPU_GEMM_SHAPES, gemmCeiling } from '../model/gemm-graph.js';
import { modelDir } from '../paths.js';
import { choiceFlag, intFlag, onOffFlag } from './args.js';
import { CliError } from './cli-error.js';
import { DEFAULT_MODEL, MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { ProgressBar } from './progress.js';
import { formatTable, median, round } from './table.js';
import { torchBaseline } from './torch-baseline.js';
import { BENCH_PRECISIONS, PRECISION_REPEATS, measurePrecisions, precisionManifests, benchInputs, type PrecisionResult } from './bench-precisions.js';

const HELP = `usage: jepa-mpc bench [options]

Times one MPC planning step with the model's own CEM (its manifest's planning block; test-tiny: the paper's 800 samples x 10 iterations, horizon 1) batched vs naive.

options:
${MODEL_HELP}
  --samples N          CEM samples (default: the model's)
  --iterations N       CEM iterations (default: the model's)
  --repeats N          timed steps per batched variant after one warm-up (default 5)
  --naive-repeats N    timed steps of the naive variant (default 1; it is slow; 0 = skip it)
  --variants SET       all | model: only the model's own planner, the naive comparison if asked and
                       the MatMul ceiling (for full-size models where every variant takes minutes)
  --seed S             seed of the random frames and the planner (default 0)
  --torch on|off       also time the same CEM in PyTorch over the model's weights.pt (default on where
                       /usr/bin/python3 has torch; the ratio column is PyTorch ms / onnxruntime ms)
  --precisions LIST    also time the model's planner on these other precisions of its folder
                       (${BENCH_PRECISIONS.join(', ')}), interleaved with the loaded one, fp32 the
                       baseline of the ratios, plus the int8 GEMM ceiling (default: every other
                       precision the folder has; none = skip)
  --json               print one JSON object instead of a table`;

/** Timed PyTorch plans per setting after its warm-up (it is slow; the ratio is large against its noise). */
const TORCH_REPEATS = 2;
/** The timing fields a variant and a precision share, rounded as the JSON prints them. */
function roundedTiming(r: Pick<PrecisionResult, 'stepMs' | 'modelMs' | 'evalsPerSec' | 'gflops' | 'energy'>) {
  return {
    stepMs: round(r.stepMs),
    modelMs: round(r.modelMs),
    evalsPerSec: Math.round(r.evalsPerSec),
    gflops: r.gflops === null ? null : round(r.gflops, 1),
    energy: round(r.energy, 5),
  };
}

/** One measured variant. */
interface VariantResult {
  name: string;
  optimizer: OptimizerName;
  evaluation: 'batched' | 'naive';
  horizon: number;
  samples: number;
  iterations: number;
  elites: number;
  /** Candidates scored per plan (iCEM's shrinking population, the final mean). */
  evaluations: number;
  stepMs: number;
  modelMs: number;
  evalsPerSec: number;
  /** Rollout MatMul GFLOP/s inside the model calls (null: the manifest has no FLOP count). */
  gflops: number | null;
  energy: number;
  /** The same CEM in PyTorch: ms per plan and PyTorch ms / this ms (where measured). */
  torchPlanMs?: number;
  torchRatio?: number;
}

/** A variant to measure. */
interface Variant {
  name: string;
  model: EnergyModel;
  config: PlannerConfig;
  repeats: number;
  warmup: boolean;
  evaluation: VariantResult['evaluation'];
  /** Compared against PyTorch (CEM variants only: the baseline implements CEM). */
  torch: boolean;
}

/** Wraps a model so every candidate is scored by its own rollout run (the baseline). */
function naive(model: EnergyModel): EnergyModel {
  return {
    async bind(inputs) {
      const energy = await model.bind(inputs);
      return async (actions, batch) => {
        const n = actions.length / batch;
        const out = new Float32Array(batch);
        for (let b = 0; b < batch; b++) out[b] = (await energy(actions.slice(b * n, (b + 1) * n), 1))[0] as number;
        return out;
      };
    },
  };
}

async function measure(
  v: Variant,
  inputs: { latents: Latents; goal: Latents; state: Float32Array },
  seed: number,
  flopsPerCandidate: (h: number) => number | undefined,
): Promise<VariantResult> {
  const { name, model, config, repeats, warmup, evaluation } = v;
  const planner = new MpcPlanner(model, config, { rng: createRng(seed), clock: () => performance.now() });
  const opt = planner.optimizerConfig;
  if (warmup) await planner.step(inputs);
  const steps: number[] = [];
  const modelMs: number[] = [];
  let energy = NaN;
  let evaluations = 0;
  for (let r = 0; r < repeats; r++) {
    const result = await planner.step(inputs);
    if (result.status !== PlannerStatus.OK) throw new CliError(`${name}: planning failed with ${statusName(result.status)}: ${result.message}`);
    steps.push(result.timings.totalMs);
    modelMs.push(result.timings.modelMs);
    energy = result.energy;
    evaluations = result.evaluations;
  }
  const stepMs = median(steps);
  const flops = flopsPerCandidate(opt.horizon);
  return {
    name,
    optimizer: config.optimizer,
    evaluation,
    horizon: opt.horizon,
    samples: opt.samples,
    iterations: opt.iterations,
    elites: opt.elites,
    evaluations,
    stepMs,
    modelMs: median(modelMs),
    evalsPerSec: evaluations / (stepMs / 1000),
    gflops: flops === undefined ? null : (evaluations * flops) / (median(modelMs) * 1e6),
    energy,
  };
}

/** Entry point of `jepa-mpc bench`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      samples: { type: 'string' },
      iterations: { type: 'string' },
      repeats: { type: 'string' },
      'naive-repeats': { type: 'string' },
      variants: { type: 'string' },
      seed: { type: 'string' },
      torch: { type: 'string' },
      precisions: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const samples = intFlag('samples', values.samples, UNSET.integer, 1, 100_000);
  const iterations = intFlag('iterations', values.iterations, UNSET.integer, 1, 1000);
  const repeats = intFlag('repeats', values.repeats, 5, 1, 1000);
  const naiveRepeats = intFlag('naive-repeats', values['naive-repeats'], 1, 0, 1000);
  const onlyModel = choiceFlag('variants', values.variants, ['all', 'model'] as const, 'all') === 'model';
  const seed = intFlag('seed', values.seed, 0);
  const threads = intFlag('threads', values.threads, 0, 0, 256);
  const withTorch = onOffFlag('torch', values.torch, true);
  const dir = values.model ?? modelDir(DEFAULT_MODEL);

  const model: OnnxWorldModel = await loadModelFromFlags(values);
  try {
    const variantsOnDisk = precisionManifests(dir, values.precisions, model.manifest.precision);
    const inputs = await benchInputs(model, seed);
    // The model's own planner (the one resolution every command uses), its gripper term off: the goals here are plain frames.
    const base: PlannerConfig = { ...resolvePlannerConfig(model.manifest, { samples, iterations }), warmStart: false, goalGripperWeight: 0 };
    // Every optimiser's settings share the model's samples, iterations and space (resolvePlannerConfig).
    const own = activeOptimizer(base);
    const cemBase: PlannerConfig = { ...base, optimizer: 'cem' };
    const size = `${own.samples}x${own.iterations}`;
    const variant = (
      name: string,
      config: PlannerConfig,
      torch = false,
      m: EnergyModel = model,
      evaluation: Variant['evaluation'] = 'batched',
      n = repeats,
      warmup = true,
    ): Variant => ({
      name,
      model: m,
      config,
      repeats: n,
      warmup,
      evaluation,
      torch,
    });
    const plans: Variant[] = [
      variant(`${base.optimizer} batched (the model's)`, base, base.optimizer === 'cem'),
      ...(naiveRepeats > 0 ? [variant(`cem naive (1 run/candidate)`, cemBase, false, naive(model), 'naive', naiveRepeats, false)] : []),
    ];
    if (!onlyModel) {
      if (base.optimizer !== 'cem') plans.push(variant(`cem batched ${size}`, cemBase, true));
      if (base.optimizer !== 'icem') plans.push(variant(`icem batched ${size}`, { ...base, optimizer: 'icem' }));
      plans.push(variant('mppi batched (512x6)', { ...base, optimizer: 'mppi', mppi: { ...MPPI_DEFAULTS, space: own.space } }));
      if (size !== `${CEM_DEFAULTS.samples}x${CEM_DEFAULTS.iterations}`)
        plans.push(variant('cem batched, paper 800x10', { ...cemBase, cem: { ...CEM_DEFAULTS, space: own.space } }, true));
      for (const h of model.manifest.rollout.map((r) => r.horizon).filter((h) => h > 1)) {
        plans.push(variant(`cem batched, horizon ${h}`, { ...cemBase, cem: { ...cemBase.cem, horizon: h } }, true));
      }
    }
    const flopsPerCandidate = (h: number) => model.manifest.rollout.find((r) => r.horizon === h)?.matmulFlopsPerCandidate;
    const withInt8 = (model.manifest.precision === 'int8' || variantsOnDisk.some((v) => v.precision === 'int8')) && model.provider === 'cpu';
    const bar = new ProgressBar({ label: 'bench', total: plans.length + 2 + (variantsOnDisk.length ? 1 : 0) + (withInt8 ? 1 : 0) });
    const results: VariantResult[] = [];
    for (const v of plans) {
      results.push(await measure(v, inputs, seed, flopsPerCandidate));
      bar.tick(1, v.name);
    }
    const precisions = variantsOnDisk.length
      ? await measurePrecisions(model, model.loaded.path, variantsOnDisk, base, seed, Math.max(repeats, PRECISION_REPEATS), threads, flopsPerCandidate)
      : [];
    if (variantsOnDisk.length) bar.tick(1, 'precisions');
    const gemm = await gemmCeiling(threads, undefined, model.provider === 'cpu' ? GEMM_SHAPES : GPU_GEMM_SHAPES, model.provider);
    bar.tick(1, 'matmul ceiling');
    const gemmInt8 = withInt8 ? await gemmCeiling(threads, undefined, GEMM_SHAPES, model.provider, 'int8') : [];
    if (withInt8) bar.tick(1, 'int8 gemm ceiling');
    const compared = plans.flatMap((v, i) => (v.torch ? [results[i] as VariantResult] : []));
    const torchThreads = threads > 0 ? threads : cpus().length;
    const torch = !withTorch
      ? { ok: false as const, reason: '--torch off' }
      : compared.length === 0
        ? { ok: false as const, reason: 'no variant run here has a PyTorch twin (the CEM variants; --variants all runs them)' }
        : torchBaseline(
            dir,
            compared.map((r) => ({ samples: r.samples, iterations: r.iterations, elites: r.elites, horizon: r.horizon })),
            torchThreads,
            Math.min(repeats, TORCH_REPEATS),
          );
    bar.tick(1, 'pytorch');
    bar.finish();
    if (torch.ok) {
      compared.forEach((r, i) => {
        r.torchPlanMs = torch.planMs[i] as number;
        r.torchRatio = (torch.planMs[i] as number) / r.stepMs;
      });
    }
    const batched = results[0] as VariantResult;
    const slow = results.find((r) => r.evaluation === 'naive');
    const ceiling = Math.max(...gemm.map((g) => g.gflops));
    const summary = {
      model: model.manifest.name,
      provider: model.provider,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      threads: threads > 0 ? threads : 'onnxruntime default',
      optimizer: base.optimizer,
      samples: own.samples,
      iterations: own.iterations,
      horizon: batched.horizon,
      evaluationsPerPlan: batched.evaluations,
      batchedStepMs: round(batched.stepMs),
      naiveStepMs: slow ? round(slow.stepMs) : null,
      speedup: slow ? round(slow.stepMs / batched.stepMs) : null,
      evalsPerSec: Math.round(batched.evalsPerSec),
      gflops: batched.gflops === null ? null : round(batched.gflops, 1),
      matmulCeilingGflops: round(ceiling, 1),
      ceilingFraction: batched.gflops === null ? null : round(batched.gflops / ceiling, 3),
      torch: torch.ok ? { version: torch.torch, threads: torch.threads } : { skipped: torch.reason },
      // At the model's size: its own CEM, or the CEM of the same size (the baseline implements CEM; the rollout is the cost).
      torchRatio: compared[0]?.torchRatio === undefined ? null : round(compared[0].torchRatio, 2),
      torchRatioAt: compared[0] ? compared[0].name : null,
      gemm: gemm.map((g) => ({ ...g, ms: round(g.ms, 3), gflops: round(g.gflops, 1) })),
      ...(withInt8
        ? {
            int8GemmCeilingGops: round(Math.max(...gemmInt8.map((g) => g.gflops)), 1),
            gemmInt8: gemmInt8.map((g) => ({ m: g.m, k: g.k, n: g.n, ms: round(g.ms, 3), gops: round(g.gflops, 1) })),
          }
        : {}),
      precisions: precisions.map((p) => ({
        ...p,
        ...roundedTiming(p),
        ratio: round(p.ratio, 3),
        cpuMs: round(p.cpuMs),
        cpuRatio: round(p.cpuRatio, 3),
      })),
      variants: results.map((r) => ({
        ...r,
        ...roundedTiming(r),
        ...(r.torchRatio !== undefined ? { torchRatio: round(r.torchRatio, 2) } : {}),
      })),
    };
    if (values.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(`model ${summary.model} on ${summary.provider} (${summary.cores} x ${summary.cpu}), threads: ${summary.threads}\n`);
      console.log(
        formatTable(
          ['variant', 'samples x iters', 'H', 'evals/plan', 'step ms', 'model ms', 'evals/s', 'GFLOP/s', 'x batched', 'PyTorch ms', 'x PyTorch'],
          results.map((r) => [
            r.name,
            `${r.samples}x${r.iterations}`,
            r.horizon,
            r.evaluations,
            round(r.stepMs, 1),
            round(r.modelMs, 1),
            Math.round(r.evalsPerSec),
            r.gflops === null ? '-' : round(r.gflops, 1),
            round(r.stepMs / batched.stepMs, 2),
            r.torchPlanMs ?? '',
            r.torchRatio === undefined ? '' : round(r.torchRatio, 2),
          ]),
        ),
      );
      if (precisions.length) {
        console.log(`\nthe model's planner (${summary.optimizer} ${summary.samples}x${summary.iterations}) per precision, timed plans interleaved:`);
        console.log(
          formatTable(
            [
              'precision',
              'manifest',
              'step ms',
              'model ms',
              'evals/s',
              'GFLOP/s (fp32-equiv.)',
              `x ${precisions[0]?.precision ?? ''}`,
              'CPU ms',
              'x (CPU time)',
              'energy',
            ],
            precisions.map((p) => [
              p.precision,
              p.manifest,
              round(p.stepMs, 1),
              round(p.modelMs, 1),
              Math.round(p.evalsPerSec),
              p.gflops === null ? '-' : round(p.gflops, 1),
              round(p.ratio, 2),
              round(p.cpuMs, 1),
              round(p.cpuRatio, 2),
              round(p.energy, 5),
            ]),
          ),
        );
      }
      if (slow) console.log(`\nbatched is ${summary.speedup}x faster than naive per-candidate evaluation`);
      console.log(
        `MatMul ceiling (onnxruntime-node GEMM on ${summary.provider}, ${gemm.map((g) => `${g.m}x${g.k}x${g.n} ${round(g.gflops, 1)}`).join(', ')} GFLOP/s): ${summary.matmulCeilingGflops} GFLOP/s` +
          (summary.ceilingFraction === null ? '' : `; the model's rollout reaches ${summary.gflops} GFLOP/s (${Math.round(summary.ceilingFraction * 100)} %)`),
      );
      if (withInt8) {
        console.log(
          `int8 GEMM ceiling (MatMulInteger u8 x s8 -> s32, ${gemmInt8.map((g) => `${g.m}x${g.k}x${g.n} ${round(g.gflops, 1)}`).join(', ')} GOP/s): ${summary.int8GemmCeilingGops} GOP/s`,
        );
      }
      console.log(
        torch.ok
          ? `PyTorch ${torch.torch} (${torch.threads} threads), the same CEM over the same weights: ${summary.torchRatioAt} is ${summary.torchRatio}x faster here`
          : `PyTorch comparison skipped: ${torch.reason}`,
      );
    }
    return 0;
  } finally {
    await model.close();
  }
}
