/**
 * `jepa-mpc bench`: how long one planning step takes with a world model, comparing side by side
 * in one process the batched planner (one rollout run per CEM iteration) against naive
 * per-candidate evaluation (one run per candidate), plus MPPI and longer horizons where the model
 * has them. Prints a table, or one JSON object with --json.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { MpcPlanner, type OptimizerName, type PlannerConfig } from '../core/mpc.js';
import { MPPI_DEFAULTS } from '../core/mppi.js';
import { createRng } from '../core/rng.js';
import { PlannerStatus, statusName } from '../core/status.js';
import type { EnergyModel, Latents } from '../core/types.js';
import type { OnnxWorldModel } from '../model/onnx-world-model.js';
import { resolvePlannerConfig, UNSET } from '../model/planner-settings.js';
import { intFlag } from './args.js';
import { CliError } from './cli-error.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { ProgressBar } from './progress.js';
import { formatTable, median, round } from './table.js';

const HELP = `usage: jepa-mpc bench [options]

Times one MPC planning step with the model's own CEM (its manifest's planning block; test-tiny: the paper's 800 samples x 10 iterations, horizon 1) batched vs naive.

options:
${MODEL_HELP}
  --samples N          CEM samples (default: the model's)
  --iterations N       CEM iterations (default: the model's)
  --repeats N          timed steps per batched variant after one warm-up (default 5)
  --naive-repeats N    timed steps of the naive variant (default 1; it is slow)
  --seed S             seed of the random frames and the planner (default 0)
  --json               print one JSON object instead of a table`;

/** One measured variant. */
interface VariantResult {
  name: string;
  optimizer: OptimizerName;
  evaluation: 'batched' | 'naive';
  horizon: number;
  samples: number;
  iterations: number;
  stepMs: number;
  modelMs: number;
  evalsPerSec: number;
  energy: number;
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

function randomFrame(width: number, height: number, seed: number) {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

async function measure(
  name: string,
  model: EnergyModel,
  config: PlannerConfig,
  inputs: { latents: Latents; goal: Latents; state: Float32Array },
  repeats: number,
  warmup: boolean,
  seed: number,
  evaluation: VariantResult['evaluation'],
): Promise<VariantResult> {
  const planner = new MpcPlanner(model, config, { rng: createRng(seed), clock: () => performance.now() });
  const opt = planner.optimizerConfig;
  if (warmup) await planner.step(inputs);
  const steps: number[] = [];
  const modelMs: number[] = [];
  let energy = NaN;
  for (let r = 0; r < repeats; r++) {
    const result = await planner.step(inputs);
    if (result.status !== PlannerStatus.OK) throw new CliError(`${name}: planning failed with ${statusName(result.status)}: ${result.message}`);
    steps.push(result.timings.totalMs);
    modelMs.push(result.timings.modelMs);
    energy = result.energy;
  }
  const stepMs = median(steps);
  return {
    name,
    optimizer: config.optimizer,
    evaluation,
    horizon: opt.horizon,
    samples: opt.samples,
    iterations: opt.iterations,
    stepMs,
    modelMs: median(modelMs),
    evalsPerSec: (opt.samples * opt.iterations) / (stepMs / 1000),
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
      seed: { type: 'string' },
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
  const naiveRepeats = intFlag('naive-repeats', values['naive-repeats'], 1, 1, 1000);
  const seed = intFlag('seed', values.seed, 0);

  const model: OnnxWorldModel = await loadModelFromFlags(values);
  try {
    const { width, height } = model.manifest.encoder.input;
    const latents = await model.encode(randomFrame(width, height, seed));
    const goal = await model.encode(randomFrame(width, height, seed + 1));
    const state = Float32Array.from({ length: model.manifest.state.dim }, (_, i) => (i < 3 ? 0.4 : 0));
    const inputs = { latents, goal, state };
    // The model's own planner (the one resolution every command uses), its gripper term off: the goals here are plain frames.
    const base: PlannerConfig = { ...resolvePlannerConfig(model.manifest, { samples, iterations }), optimizer: 'cem', warmStart: false, goalGripperWeight: 0 };
    const cem = base.cem;
    const plans: [string, EnergyModel, PlannerConfig, number, boolean, VariantResult['evaluation']][] = [
      ['cem batched', model, base, repeats, true, 'batched'],
      ['cem naive (1 run/candidate)', naive(model), base, naiveRepeats, false, 'naive'],
      ['mppi batched (512x6)', model, { ...base, optimizer: 'mppi', mppi: { ...MPPI_DEFAULTS, space: cem.space } }, repeats, true, 'batched'],
    ];
    for (const h of model.manifest.rollout.map((r) => r.horizon).filter((h) => h > 1)) {
      plans.push([`cem batched, horizon ${h}`, model, { ...base, cem: { ...cem, horizon: h } }, repeats, true, 'batched']);
    }
    const bar = new ProgressBar({ label: 'bench', total: plans.length });
    const results: VariantResult[] = [];
    for (const [name, m, config, n, warm, evaluation] of plans) {
      results.push(await measure(name, m, config, inputs, n, warm, seed, evaluation));
      bar.tick(1, name);
    }
    bar.finish();
    const [batched, slow] = results as [VariantResult, VariantResult];
    const summary = {
      model: model.manifest.name,
      provider: model.provider,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      samples: cem.samples,
      iterations: cem.iterations,
      horizon: batched.horizon,
      batchedStepMs: round(batched.stepMs),
      naiveStepMs: round(slow.stepMs),
      speedup: round(slow.stepMs / batched.stepMs),
      evalsPerSec: Math.round(batched.evalsPerSec),
      variants: results.map((r) => ({ ...r, stepMs: round(r.stepMs), modelMs: round(r.modelMs), evalsPerSec: Math.round(r.evalsPerSec), energy: round(r.energy, 5) })),
    };
    if (values.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(`model ${summary.model} on ${summary.provider} (${summary.cores} x ${summary.cpu})\n`);
      console.log(
        formatTable(
          ['variant', 'samples x iters', 'H', 'step ms', 'model ms', 'evals/s', 'x batched'],
          results.map((r) => [r.name, `${r.samples}x${r.iterations}`, r.horizon, round(r.stepMs, 1), round(r.modelMs, 1), Math.round(r.evalsPerSec), round(r.stepMs / batched.stepMs, 2)]),
        ),
      );
      console.log(`\nbatched is ${summary.speedup}x faster than naive per-candidate evaluation`);
    }
    return 0;
  } finally {
    await model.close();
  }
}
