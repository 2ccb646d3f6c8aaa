/**
 * The precision comparison of `jepa-mpc bench`: the model's own planner timed on each precision of
 * its folder (manifest-<precision>.json beside the default), in rounds of blocks so drifting load
 * falls on all alike, fp32 first and the baseline of the ratios, with GFLOP/s counted as
 * fp32-equivalent and the process CPU time per plan beside the wall time.
 */
import { dirname } from 'node:path';
import { activeOptimizer, MpcPlanner, type PlannerConfig } from '../core/mpc.js';
import { createRng } from '../core/rng.js';
import { PlannerStatus, statusName } from '../core/status.js';
import type { Latents } from '../core/types.js';
import { folderPrecisions, resolveManifestPath, type Precision } from '../model/manifest.js';
import { OnnxWorldModel } from '../model/onnx-world-model.js';
import type { Provider } from '../model/worker-protocol.js';
import { CliError } from './cli-error.js';
import { median } from './table.js';

/** The precisions bench compares on the CPU provider (fp16's float16 tensors are a GPU export). */
export const BENCH_PRECISIONS: readonly Precision[] = ['fp32', 'int8', 'fp16-weights'];

/** Timed plans per precision in the interleaved precision comparison (at least --repeats). */
export const PRECISION_REPEATS = 9;
/**
 * Timed plans per precision per round of that comparison. Plan by plan interleaving ran each
 * precision while the other session's pool threads still spun from its last run (onnxruntime's
 * spin-wait): at 2 threads on 2 cores that inflated every plan by 35-70 % (fp32 99-118 ms
 * against 69-82 ms alone, int8 66-78 against 37-44). Blocks after an untimed plan still caught
 * it in two of three idle runs (2026-12-07: int8 72-80 ms in the comparison against 36-38 ms in
 * the same run's variant table), so each block now loads its precision alone and closes it after.
 */
const PRECISION_BLOCK = 3;

/** One precision of the model's planner, timed interleaved with the others. */
export interface PrecisionResult {
  precision: Precision;
  manifest: string;
  stepMs: number;
  modelMs: number;
  evalsPerSec: number;
  /** fp32-equivalent GFLOP/s: the fp32 graph's MatMul FLOPs per candidate over the time inside the model. */
  gflops: number | null;
  /** evaluations/s over the first precision's (fp32 where timed, else the model's own). */
  ratio: number;
  /**
   * Median process CPU time per plan (ms, every thread): on cores shared with other work the wall
   * time waits for them, the CPU time does not, so at --threads 1 (no spinning pool threads)
   * `cpuRatio` (the first precision's CPU ms over this one's) is the steadier speed-up.
   */
  cpuMs: number;
  cpuRatio: number;
  energy: number;
}

/**
 * The other precisions of a model's folder to time beside the loaded one (`dir` a folder or a
 * manifest path; `own` the loaded manifest's precision): `--precisions` auto (default) / none /
 * LIST, each resolved as `--precision` resolves (resolveManifestPath).
 */
export function precisionManifests(dir: string, flag: string | undefined, own: Precision): { precision: Precision; path: string }[] {
  const folder = dir.endsWith('.json') ? dirname(dir) : dir;
  if (flag === 'none') return [];
  if (flag === undefined || flag === 'auto') return folderPrecisions(folder).filter((p) => p.precision !== own && BENCH_PRECISIONS.includes(p.precision));
  return flag.split(',').flatMap((s) => {
    const p = s.trim() as Precision;
    if (!BENCH_PRECISIONS.includes(p)) throw new CliError(`--precisions: '${s}' is not one of ${BENCH_PRECISIONS.join(', ')} (or auto, none)`);
    return p === own ? [] : [{ precision: p, path: resolveManifestPath(folder, p) }];
  });
}

/** A seeded random RGB frame. */
function randomFrame(width: number, height: number, seed: number) {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

/** What the bench plans from: two seeded random frames encoded by `model` (current and goal), the tool at 0.4 m. */
export async function benchInputs(model: OnnxWorldModel, seed: number): Promise<{ latents: Latents; goal: Latents; state: Float32Array }> {
  const { width, height } = model.manifest.encoder.input;
  return {
    latents: await model.encode(randomFrame(width, height, seed)),
    goal: await model.encode(randomFrame(width, height, seed + 1)),
    state: Float32Array.from({ length: model.manifest.state.dim }, (_, i) => (i < 3 ? 0.4 : 0)),
  };
}

/**
 * Times the model's own planner (`base`) on the model's precision and each variant, interleaved
 * in rounds: per round and precision, the precision's model is loaded alone (its own worker and
 * onnxruntime thread pool), warmed by one untimed plan, timed over PRECISION_BLOCK plans and closed,
 * so no other precision's pool threads are alive to spin on the cores beside it. fp32, where timed,
 * comes first: the ratios are over it ("int8 over fp32" beside an int8 default). `model` is the
 * already loaded default (its provider and input shape); it stays idle meanwhile.
 */
export async function measurePrecisions(
  model: OnnxWorldModel,
  modelPath: string,
  variants: readonly { precision: Precision; path: string }[],
  base: PlannerConfig,
  seed: number,
  repeats: number,
  threads: number,
  flopsPerCandidate: (h: number) => number | undefined,
): Promise<PrecisionResult[]> {
  const all = [{ precision: model.manifest.precision, manifest: modelPath }, ...variants.map((v) => ({ precision: v.precision, manifest: v.path }))];
  const runs = all
    .sort((a, b) => Number(b.precision === 'fp32') - Number(a.precision === 'fp32'))
    .map((l) => ({ ...l, steps: [] as number[], modelMs: [] as number[], cpuMs: [] as number[], evaluations: 0, energy: NaN }));
  for (let i = 0; i < repeats; i += PRECISION_BLOCK) {
    for (const r of runs) await timeBlock(r);
  }
  async function timeBlock(r: (typeof runs)[number]): Promise<void> {
    const m = await OnnxWorldModel.load(r.manifest, { provider: model.provider as Provider, intraOpThreads: threads });
    try {
      // Each precision encodes the frames with its own encoder (the int8 variant's is fp32 unless quantised too).
      const inputs = await benchInputs(m, seed);
      const planner = new MpcPlanner(m, base, { rng: createRng(seed), clock: () => performance.now() });
      await planner.step(inputs); // untimed: warms the session
      for (let j = 0; j < PRECISION_BLOCK; j++) {
        const cpu0 = process.cpuUsage();
        const result = await planner.step(inputs);
        const cpu = process.cpuUsage(cpu0);
        if (result.status !== PlannerStatus.OK) throw new CliError(`${r.precision}: planning failed with ${statusName(result.status)}: ${result.message}`);
        r.cpuMs.push((cpu.user + cpu.system) / 1000);
        r.steps.push(result.timings.totalMs);
        r.modelMs.push(result.timings.modelMs);
        r.evaluations = result.evaluations;
        r.energy = result.energy;
      }
    } finally {
      await m.close();
    }
  }
  const flops = flopsPerCandidate(activeOptimizer(base).horizon);
  const out = runs.map((r) => {
    const stepMs = median(r.steps);
    const modelMs = median(r.modelMs);
    const evalsPerSec = r.evaluations / (stepMs / 1000);
    return {
      precision: r.precision,
      manifest: r.manifest,
      stepMs,
      modelMs,
      evalsPerSec,
      gflops: flops === undefined ? null : (r.evaluations * flops) / (modelMs * 1e6),
      ratio: 1,
      cpuMs: median(r.cpuMs),
      cpuRatio: 1,
      energy: r.energy,
    };
  });
  const first = out[0]?.evalsPerSec ?? NaN;
  const firstCpu = out[0]?.cpuMs ?? NaN;
  return out.map((p) => ({ ...p, ratio: p.evalsPerSec / first, cpuRatio: firstCpu / p.cpuMs }));
}
