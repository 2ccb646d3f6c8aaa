/**
 * A world model that plans with a reference model (fp32) and, on the side, scores everything the
 * planner asks for with other variants of it (int8, fp16 weights) on the same inputs: each frame
 * and goal frame is encoded by every variant (each variant's rollout then starts from its own
 * latents, end to end), and every candidate batch is scored by every variant. It records how far
 * each variant's latents and energies are from the reference's and whether it orders the
 * candidates the same way (Spearman, top-k agreement, the same best candidate). The planner only
 * ever sees the reference's energies, so the states visited are the reference's.
 */
import { spearman, topKAgreement } from '../core/ranking.js';
import type { EnergyFn, Latents, PlanningInputs } from '../core/types.js';
import type { RgbImage } from './image.js';
import type { WorldModel } from './world-model.js';

/** One candidate batch scored by the reference and one variant. */
export interface BatchComparison {
  /** Plans bound so far (this batch belongs to plan `plan`, 0-based). */
  readonly plan: number;
  readonly batch: number;
  readonly spearman: number;
  readonly topK: number;
  readonly sameBest: boolean;
  readonly maxAbsEnergy: number;
  readonly meanAbsEnergy: number;
  /** The reference energies' spread in this batch (max − min): what a ranking error is measured against. */
  readonly energySpread: number;
}

/** What one variant came to. */
export interface VariantComparison {
  readonly name: string;
  readonly latents: { frames: number; maxAbs: number; meanAbs: number };
  readonly batches: BatchComparison[];
}

/** Options of {@link ComparingModel}. */
export interface ComparingOptions {
  /** Top-k agreement's k (default 10). */
  readonly topK?: number;
}

interface LatentStats {
  frames: number;
  maxAbs: number;
  sumAbs: number;
  values: number;
}

function diffStats(a: Float32Array, b: Float32Array): { maxAbs: number; sumAbs: number } {
  let maxAbs = 0;
  let sumAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    sumAbs += d;
    if (d > maxAbs) maxAbs = d;
  }
  return { maxAbs, sumAbs };
}

/** The reference model with variants scored beside it (module comment). */
export class ComparingModel implements WorldModel {
  readonly manifest: WorldModel['manifest'];
  readonly provider: string;
  readonly proposeStages?: WorldModel['proposeStages'];
  private readonly topK: number;
  /** Per reference Latents object: each variant's latents of the same frame. */
  private readonly twins = new WeakMap<Latents, Latents[]>();
  private readonly latentStats: LatentStats[];
  private readonly batches: BatchComparison[][];
  private plans = 0;

  /**
   * @param reference the model the planner uses (its energies are returned)
   * @param variants the models compared with it, by name
   */
  constructor(
    private readonly reference: WorldModel,
    private readonly variants: readonly { readonly name: string; readonly model: WorldModel }[],
    options: ComparingOptions = {},
  ) {
    this.manifest = reference.manifest;
    this.provider = reference.provider;
    this.topK = options.topK ?? 10;
    this.latentStats = variants.map(() => ({ frames: 0, maxAbs: 0, sumAbs: 0, values: 0 }));
    this.batches = variants.map(() => []);
    if (reference.proposeStages) this.proposeStages = reference.proposeStages.bind(reference);
  }

  /** Plans bound so far. */
  get planCount(): number {
    return this.plans;
  }

  encode(image: RgbImage): Promise<Latents> {
    return this.encodeAll(image, (m) => m.encode(image));
  }

  encodeGoal(image: RgbImage): Promise<Latents> {
    return this.encodeAll(image, (m) => m.encodeGoal(image));
  }

  private async encodeAll(_image: RgbImage, run: (m: WorldModel) => Promise<Latents>): Promise<Latents> {
    const z = await run(this.reference);
    const twins: Latents[] = [];
    for (const [i, v] of this.variants.entries()) {
      const zv = await run(v.model);
      const d = diffStats(z.data, zv.data);
      const s = this.latentStats[i] as LatentStats;
      s.frames += 1;
      s.maxAbs = Math.max(s.maxAbs, d.maxAbs);
      s.sumAbs += d.sumAbs;
      s.values += z.data.length;
      twins.push(zv);
    }
    this.twins.set(z, twins);
    return z;
  }

  async bind(inputs: PlanningInputs): Promise<EnergyFn> {
    const plan = this.plans++;
    const ref = await this.reference.bind(inputs);
    const bound = await Promise.all(
      this.variants.map((v, i) => {
        const latents = this.twins.get(inputs.latents)?.[i] ?? inputs.latents;
        const goal = this.twins.get(inputs.goal)?.[i] ?? inputs.goal;
        return v.model.bind({ ...inputs, latents, goal });
      }),
    );
    return async (actions, batch) => {
      const e = await ref(actions, batch);
      for (const [i, fn] of bound.entries()) {
        const ev = await fn(actions, batch);
        const d = diffStats(e, ev);
        let lo = Infinity;
        let hi = -Infinity;
        let best = 0;
        let bestV = 0;
        for (let b = 0; b < batch; b++) {
          const x = e[b] as number;
          if (x < lo) lo = x;
          if (x > hi) hi = x;
          if (x < (e[best] as number)) best = b;
          if ((ev[b] as number) < (ev[bestV] as number)) bestV = b;
        }
        (this.batches[i] as BatchComparison[]).push({
          plan,
          batch,
          spearman: spearman(e, ev),
          topK: topKAgreement(e, ev, this.topK),
          sameBest: best === bestV,
          maxAbsEnergy: d.maxAbs,
          meanAbsEnergy: d.sumAbs / batch,
          energySpread: hi - lo,
        });
      }
      return e;
    };
  }

  /** Everything recorded so far, per variant. */
  results(): VariantComparison[] {
    return this.variants.map((v, i) => {
      const s = this.latentStats[i] as LatentStats;
      return {
        name: v.name,
        latents: { frames: s.frames, maxAbs: s.maxAbs, meanAbs: s.values ? s.sumAbs / s.values : 0 },
        batches: [...(this.batches[i] as BatchComparison[])],
      };
    });
  }
}
