/**
 * OnnxWorldModel: a world model in the contract (src/model/manifest.ts), run by onnxruntime-node
 * inside a worker thread so a plan never blocks the caller's event loop. It encodes frames
 * (preprocessing on the calling thread, inference in the worker), caches goal latents per goal
 * image, and implements the planner's {@link EnergyModel}: `bind` uploads the shared inputs of a
 * planning step once, then each energy call moves only the candidate actions.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StagePlan } from '../core/stages.js';
import type { EnergyFn, Latents, PlanningInputs } from '../core/types.js';
import { createLogger, type Logger } from '../log.js';
import { ModelError } from './errors.js';
import type { RgbImage } from './image.js';
import { type LoadedManifest, type Manifest, loadManifest } from './manifest.js';
import { preprocess } from './preprocess.js';
import type { WorldModel } from './world-model.js';
import type { InitResult, ProposeResult, Provider, SessionSettings, WorkerReply, WorkerRequest } from './worker-protocol.js';

/** Options of {@link OnnxWorldModel.load}; every field has a default. */
export interface OnnxWorldModelOptions {
  /** Execution provider (default 'cpu'). */
  provider?: Provider;
  /** On an unavailable provider: 'error' (default) or fall back to 'cpu' with a logged warning. */
  fallback?: 'error' | 'cpu';
  /** GPU index for cuda/tensorrt (default 0). */
  deviceId?: number;
  /** onnxruntime intra-op threads (default 0 = its own choice). */
  intraOpThreads?: number;
  /** Rollout horizons to load (default: every one the manifest lists). */
  horizons?: number[];
  /** Goal images whose latents are kept (default 8). */
  goalCacheSize?: number;
  /** Read goal images with the model's goal readout, when it has one (default true). */
  goalReadout?: boolean;
  logger?: Logger;
}

const DEFAULT_GOAL_CACHE = 8;
/** tsx's ESM loader API inside its package (its `./esm/api` import export). */
const TSX_ESM_API = 'dist/esm/api/index.mjs';

/**
 * Starts the inference worker next to this module. From the built JavaScript that is
 * onnx-worker.js; under a TypeScript runner (tests, tsx) it is onnx-worker.ts, loaded through
 * tsx's loader registered inside the worker.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./onnx-worker.js', here));
  const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxRoot, TSX_ESM_API)).href;
  const entry = new URL('./onnx-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

/** A world model in the contract, running in its own worker thread. */
export class OnnxWorldModel implements WorldModel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly goalCache = new Map<string, Latents>();
  private failure: ModelError | undefined;
  private closed = false;
  private activeProvider: Provider = 'cpu';
  /** Whether goal images are read by the goal readout ({@link OnnxWorldModelOptions}.goalReadout). */
  private readGoals = true;

  private constructor(
    private readonly worker: Worker,
    /** The validated manifest and its folder. */
    readonly loaded: LoadedManifest,
    private readonly goalCacheSize: number,
    private readonly log: Logger,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.fail(new ModelError('WORKER_FAILED', `inference worker crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new ModelError('WORKER_FAILED', `inference worker exited with code ${code}`));
    });
  }

  /**
   * Loads a model folder: validates the manifest, starts the worker, creates the sessions on the
   * configured provider and dry-runs every graph to prove encoder and rollout shapes agree.
   * @throws ModelError with a code naming what is wrong (manifest, file, provider, shape).
   */
  static async load(dir: string, options: OnnxWorldModelOptions = {}): Promise<OnnxWorldModel> {
    const log = options.logger ?? createLogger('world-model');
    const loaded = await loadManifest(dir);
    const { manifest } = loaded;
    const horizons = options.horizons ?? manifest.rollout.map((r) => r.horizon);
    const settings: SessionSettings = {
      provider: options.provider ?? 'cpu',
      fallback: options.fallback ?? 'error',
      deviceId: options.deviceId ?? 0,
      intraOpThreads: options.intraOpThreads ?? 0,
    };
    const worker = startWorker();
    const model = new OnnxWorldModel(worker, loaded, options.goalCacheSize ?? DEFAULT_GOAL_CACHE, log);
    let init: InitResult;
    try {
      init = (await model.request({ type: 'init', dir: loaded.dir, manifest, horizons, settings })) as InitResult;
    } catch (error) {
      await model.close();
      throw error;
    }
    model.activeProvider = init.provider;
    model.readGoals = options.goalReadout ?? true;
    if (init.fallbackReason) {
      log.warn({ requested: settings.provider, using: init.provider, reason: init.fallbackReason }, 'execution provider unavailable, falling back');
    }
    log.info({ model: manifest.name, dir: loaded.dir, provider: init.provider, horizons, loadMs: Math.round(init.loadMs) }, 'world model loaded');
    return model;
  }

  /** The provider the sessions really run on (after any fallback). */
  get provider(): Provider {
    return this.activeProvider;
  }

  /** The validated manifest. */
  get manifest(): Manifest {
    return this.loaded.manifest;
  }

  /** Preprocesses an RGB frame and encodes it: latents [N, D]. */
  async encode(image: RgbImage): Promise<Latents> {
    return this.encodeChw(preprocess(image, this.manifest.encoder.input));
  }

  /**
   * The gripper closedness [0, 1] the model's goal readout reads from a frame, or undefined when
   * the model has no readout.
   */
  async readGripper(image: RgbImage): Promise<number | undefined> {
    if (!this.manifest.goalReadout) return undefined;
    return this.readGripperChw(preprocess(image, this.manifest.encoder.input));
  }

  /**
   * Like {@link encode}, plus the goal readout's gripper closedness when the model has one; the
   * last few goal images' results are remembered (keyed by content).
   */
  async encodeGoal(image: RgbImage): Promise<Latents> {
    const key = createHash('sha1').update(`${image.width}x${image.height}:`).update(image.data).digest('hex');
    const hit = this.goalCache.get(key);
    if (hit) {
      this.goalCache.delete(key);
      this.goalCache.set(key, hit);
      return hit;
    }
    // One preprocessing for both graphs (the readout gets a copy: each request transfers its buffer).
    const chw = preprocess(image, this.manifest.encoder.input);
    const gripperReadout = this.manifest.goalReadout && this.readGoals ? await this.readGripperChw(chw.slice()) : undefined;
    const latents = await this.encodeChw(chw);
    const z = gripperReadout === undefined ? latents : { ...latents, gripperReadout };
    this.goalCache.set(key, z);
    while (this.goalCache.size > this.goalCacheSize) this.goalCache.delete(this.goalCache.keys().next().value as string);
    return z;
  }

  /**
   * The stages between a first frame and one goal image, from the model's subgoal proposer: the
   * proposed latents of each intermediate stage then the goal's own, each carrying the proposed
   * gripper closedness as its `gripperReadout` (the goal keeps its readout's when it has one).
   * @throws ModelError INPUT_INVALID when the model has no proposer.
   */
  async proposeStages(first: Latents, state: Float32Array, goal: Latents): Promise<StagePlan> {
    const entry = this.manifest.subgoalProposer;
    if (!entry) throw new ModelError('INPUT_INVALID', `model '${this.manifest.name}' has no subgoal proposer (manifest subgoalProposer)`);
    const r = (await this.request({ type: 'propose', latents: first.data, state, goal: goal.data })) as ProposeResult;
    const { tokens, dim } = this.manifest.encoder.output;
    const n = tokens * dim;
    const k = entry.stages.length - 1;
    const stages: Latents[] = [];
    for (let i = 0; i < k; i++) stages.push({ data: r.subgoals.slice(i * n, (i + 1) * n), tokens, dim, gripperReadout: r.grippers[i] as number });
    stages.push({ ...goal, gripperReadout: goal.gripperReadout ?? (r.grippers[k] as number) });
    return { names: [...entry.stages], steps: [...entry.steps], stages };
  }

  /** Number of goal latents cached. */
  get cachedGoals(): number {
    return this.goalCache.size;
  }

  /** Uploads the shared inputs of one planning step and returns the batched energy function. */
  async bind(inputs: PlanningInputs): Promise<EnergyFn> {
    const context = await this.bindContext(inputs);
    return async (actions, batch) => {
      const copy = actions.slice(0, batch * inputs.horizon * this.manifest.action.dim);
      return (await this.request({ type: 'rollout', context, actions: copy, batch }, [copy.buffer])) as Float32Array;
    };
  }

  /**
   * Predicted latents after rolling out each candidate (graphs with `outputsPredicted` only):
   * actions [B, H, A] → B latents. For diagnostics and tests; planning needs only energies.
   */
  async predict(inputs: PlanningInputs, actions: Float32Array, batch: number): Promise<Latents[]> {
    const context = await this.bindContext(inputs);
    try {
      const copy = actions.slice();
      const flat = (await this.request({ type: 'predict', context, actions: copy, batch }, [copy.buffer])) as Float32Array;
      const { tokens, dim } = this.manifest.encoder.output;
      return Array.from({ length: batch }, (_, b) => ({ data: flat.slice(b * tokens * dim, (b + 1) * tokens * dim), tokens, dim }));
    } finally {
      await this.request({ type: 'release', context });
    }
  }

  /** Stops the worker and releases the sessions. Safe to call twice. */
  /**
   * Ends the worker: asks it to release its sessions, waiting at most `graceMs` (default: as long
   * as a run in progress takes), then terminates it.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.failure) {
        const asked = this.request({ type: 'close' });
        const grace = options.graceMs;
        if (grace === undefined) await asked;
        else {
          asked.catch(() => undefined); // it may lose the race to terminate()
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([asked, new Promise((r) => (timer = setTimeout(r, grace)))]);
          clearTimeout(timer);
        }
      }
    } catch {
      // The worker is going away regardless.
    }
    this.closed = true;
    await this.worker.terminate();
    this.fail(new ModelError('CLOSED', 'the world model was closed'));
  }

  /** Encodes a preprocessed CHW frame (its buffer is transferred to the worker). */
  private async encodeChw(chw: Float32Array): Promise<Latents> {
    const data = (await this.request({ type: 'encode', image: chw }, [chw.buffer as ArrayBuffer])) as Float32Array;
    const { tokens, dim } = this.manifest.encoder.output;
    return { data, tokens, dim };
  }

  /** The goal readout on a preprocessed CHW frame (its buffer is transferred to the worker). */
  private async readGripperChw(chw: Float32Array): Promise<number> {
    return (await this.request({ type: 'readout', image: chw }, [chw.buffer as ArrayBuffer])) as number;
  }

  /** Uploads the shared inputs of a planning step to the worker; returns its context id. */
  private async bindContext(inputs: PlanningInputs): Promise<number> {
    return (await this.request({
      type: 'bind',
      latents: inputs.latents.data.slice(),
      state: Float32Array.from(inputs.state),
      goal: inputs.goal.data.slice(),
      horizon: inputs.horizon,
    })) as number;
  }

  private request(message: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new ModelError(reply.error.code, reply.error.message));
  }

  private fail(error: ModelError): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
