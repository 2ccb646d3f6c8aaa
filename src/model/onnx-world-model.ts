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
import { type LoadedManifest, type Manifest, type Precision, loadManifest } from './manifest.js';
import { preprocess } from './preprocess.js';
import type { ModelHealth, WorldModel } from './world-model.js';
import {
  DEFAULT_RUN_TIMEOUT_MS,
  type InitResult,
  type ProposeResult,
  type Provider,
  type SessionSettings,
  type WorkerFault,
  type WorkerRequest,
} from './worker-protocol.js';
import { WorkerLink } from './worker-link.js';

/** Options of {@link OnnxWorldModel.load}; every field has a default. */
export interface OnnxWorldModelOptions {
  /** The folder's manifest of this precision (default: its manifest.json; resolveManifestPath in manifest.ts). */
  precision?: Precision;
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
  /**
   * A request the worker leaves unanswered this long (one encode, or one batch of candidates) is
   * a hung run: the worker is terminated and restarted (ms; 0 = never; default
   * {@link DEFAULT_RUN_TIMEOUT_MS}). Loading has no deadline.
   */
  runTimeoutMs?: number;
  /** Worker restarts in a row (without a request answered between them) before the model gives up (default {@link DEFAULT_MAX_RESTARTS}). */
  maxRestarts?: number;
  logger?: Logger;
}

const DEFAULT_GOAL_CACHE = 8;
/** Default restarts in a row before giving up (a model that crashes its worker on every run is not retried forever). */
export const DEFAULT_MAX_RESTARTS = 3;
/** Goals whose latents stay uploaded in the worker (the planner's sequence and a few recent ones). */
const MAX_UPLOADED_GOALS = 16;
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

/** What starting a worker needs, kept for restarts. */
interface WorkerRecipe {
  readonly horizons: number[];
  readonly settings: SessionSettings;
  readonly runTimeoutMs: number;
  readonly maxRestarts: number;
}

/**
 * A world model in the contract, running in its own worker thread. When the worker dies or hangs
 * it is restarted with the same model and the uploaded goals are uploaded again; requests made
 * meanwhile wait for the new worker (see {@link health}).
 */
export class OnnxWorldModel implements WorldModel {
  private link!: WorkerLink;
  private readonly goalCache = new Map<string, Latents>();
  /** Goal latents uploaded to the current worker → their id there (least recently used first). */
  private readonly goalIds = new Map<Float32Array, number>();
  private recovery: Promise<void> | undefined;
  private failuresInARow = 0;
  private gaveUp: ModelError | undefined;
  private closed = false;
  /** Set once the first load succeeded: only then is a lost worker restarted. */
  private running = false;
  private state: ModelHealth = { state: 'ok', restarts: 0 };
  private activeProvider: Provider = 'cpu';
  /** Whether goal images are read by the goal readout ({@link OnnxWorldModelOptions}.goalReadout). */
  private readGoals = true;

  private constructor(
    /** The validated manifest and its folder. */
    readonly loaded: LoadedManifest,
    private readonly recipe: WorkerRecipe,
    private readonly goalCacheSize: number,
    private readonly log: Logger,
  ) {}

  /**
   * Loads a model folder (its manifest.json, or with `options.precision` that precision's
   * manifest) or a manifest file: validates the manifest, starts the worker, creates the sessions on the
   * configured provider and dry-runs every graph to prove encoder and rollout shapes agree.
   * @throws ModelError with a code naming what is wrong (manifest, file, provider, shape).
   */
  static async load(dir: string, options: OnnxWorldModelOptions = {}): Promise<OnnxWorldModel> {
    const log = options.logger ?? createLogger('world-model');
    const loaded = await loadManifest(dir, options.precision);
    const { manifest } = loaded;
    const recipe: WorkerRecipe = {
      horizons: options.horizons ?? manifest.rollout.map((r) => r.horizon),
      settings: {
        provider: options.provider ?? 'cpu',
        fallback: options.fallback ?? 'error',
        deviceId: options.deviceId ?? 0,
        intraOpThreads: options.intraOpThreads ?? 0,
      },
      runTimeoutMs: options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
      maxRestarts: options.maxRestarts ?? DEFAULT_MAX_RESTARTS,
    };
    const model = new OnnxWorldModel(loaded, recipe, options.goalCacheSize ?? DEFAULT_GOAL_CACHE, log);
    let init: InitResult;
    try {
      init = await model.startWorker();
    } catch (error) {
      await model.close();
      throw error;
    }
    model.running = true;
    model.activeProvider = init.provider;
    model.readGoals = options.goalReadout ?? true;
    if (init.fallbackReason) {
      log.warn({ requested: recipe.settings.provider, using: init.provider, reason: init.fallbackReason }, 'execution provider unavailable, falling back');
    }
    log.info(
      {
        model: manifest.name,
        precision: manifest.precision,
        dir: loaded.dir,
        provider: init.provider,
        horizons: recipe.horizons,
        loadMs: Math.round(init.loadMs),
      },
      'world model loaded',
    );
    return model;
  }

  /** Whether the worker runs, is being restarted, or was given up on; restarts so far and the last one's cause and time. */
  get health(): ModelHealth {
    return this.state;
  }

  /** Resolves when requests can run (at once, or after a restart in progress); rejects when the model was given up on or closed. */
  async ready(): Promise<void> {
    if (this.recovery) await this.recovery;
    const failed = this.gaveUp ?? (this.closed ? new ModelError('CLOSED', 'the world model was closed') : undefined);
    if (failed) throw failed;
  }

  /**
   * Makes the worker play a fault (recovery tests, `jepa-mpc stress`): 'crash' ends its thread,
   * 'hang' never answers again (the run deadline then terminates it). Either way the model restarts it.
   */
  injectFault(kind: WorkerFault): void {
    this.link.request({ type: 'fault', kind }, [], this.recipe.runTimeoutMs).catch(() => undefined);
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
   * gripper closedness as its `gripperReadout` (the goal keeps its readout's when it has one). A
   * conditional proposer also gets `given` (the stages whose goal images were given); a plain one
   * proposes from the goal alone.
   * @throws ModelError INPUT_INVALID when the model has no proposer, or `given` is not one entry per stage before the goal.
   */
  async proposeStages(first: Latents, state: Float32Array, goal: Latents, given?: readonly (Latents | undefined)[]): Promise<StagePlan> {
    const entry = this.manifest.subgoalProposer;
    if (!entry) throw new ModelError('INPUT_INVALID', `model '${this.manifest.name}' has no subgoal proposer (manifest subgoalProposer)`);
    const { tokens, dim } = this.manifest.encoder.output;
    const n = tokens * dim;
    const k = entry.stages.length - 1;
    if (given && given.length !== k) throw new ModelError('INPUT_INVALID', `given stages: ${given.length} entries, expected ${k} (the stages before the goal)`);
    const request: WorkerRequest = { type: 'propose', latents: first.data, state, goal: goal.data };
    if (entry.conditional && given?.some((z) => z !== undefined)) {
      request.given = new Float32Array(k * n);
      request.givenMask = new Float32Array(k);
      given.forEach((z, i) => {
        if (!z) return;
        if (z.data.length !== n) throw new ModelError('INPUT_INVALID', `given stage ${i} has ${z.data.length} values, expected ${tokens}x${dim}`);
        (request.given as Float32Array).set(z.data, i * n);
        (request.givenMask as Float32Array)[i] = 1;
      });
    }
    const r = (await this.request(request)) as ProposeResult;
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

  /**
   * Ends the worker: asks it to release its sessions, waiting at most `graceMs` (default: as long
   * as a run in progress takes), then terminates it. Safe to call twice.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.link?.end(options.graceMs);
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
    const goal = await this.goalId(inputs.goal.data);
    return (await this.request({
      type: 'bind',
      latents: inputs.latents.data.slice(),
      state: Float32Array.from(inputs.state),
      goal,
      horizon: inputs.horizon,
    })) as number;
  }

  /** The id of a goal's latents in the worker, uploading them the first time they are planned toward. */
  private async goalId(goal: Float32Array): Promise<number> {
    const known = this.goalIds.get(goal);
    if (known !== undefined) {
      this.goalIds.delete(goal);
      this.goalIds.set(goal, known);
      return known;
    }
    const id = (await this.request({ type: 'goal', goal })) as number;
    this.goalIds.set(goal, id);
    while (this.goalIds.size > MAX_UPLOADED_GOALS) {
      const [oldest, oldId] = this.goalIds.entries().next().value as [Float32Array, number];
      this.goalIds.delete(oldest);
      this.request({ type: 'forget-goal', goal: oldId }).catch(() => undefined);
    }
    return id;
  }

  /** Starts a worker on the recipe and loads the model in it (no deadline: loading takes what it takes). */
  private async startWorker(): Promise<InitResult> {
    const link = new WorkerLink(startWorker(), (error) => this.onLost(link, error));
    this.link = link;
    const { manifest, dir } = this.loaded;
    return (await link.request({ type: 'init', dir, manifest, horizons: this.recipe.horizons, settings: this.recipe.settings }, [], 0)) as InitResult;
  }

  /** The worker died or hung: restart it, unless this is an old link, a restart is under way, or the model is closed. */
  private onLost(link: WorkerLink, error: ModelError): void {
    if (link !== this.link || !this.running || this.closed || this.recovery) return;
    this.log.warn({ reason: error.message, code: error.code }, 'inference worker lost; restarting it');
    this.recovery = this.recover(error).finally(() => (this.recovery = undefined));
  }

  /** Starts fresh workers until one loads (at most the restart limit in a row) and uploads the goals again. */
  private async recover(cause: ModelError): Promise<void> {
    const t0 = performance.now();
    const goals = [...this.goalIds.keys()];
    let last = cause;
    this.state = { ...this.state, state: 'restarting', lastFault: cause.message };
    while (!this.closed) {
      if (++this.failuresInARow > this.recipe.maxRestarts) {
        this.gaveUp = new ModelError('WORKER_FAILED', `inference worker failed ${this.failuresInARow} times in a row; giving up (last: ${last.message})`);
        this.state = { ...this.state, state: 'failed' };
        this.log.error({ reason: this.gaveUp.message }, 'inference worker given up');
        return;
      }
      try {
        await this.startWorker();
        if (this.closed) break;
        this.goalIds.clear();
        for (const goal of goals) this.goalIds.set(goal, (await this.link.request({ type: 'goal', goal }, [], this.recipe.runTimeoutMs)) as number);
        const ms = performance.now() - t0;
        this.state = { state: 'ok', restarts: this.state.restarts + 1, lastFault: cause.message, lastRecoveryMs: ms };
        this.log.warn({ recoveryMs: Math.round(ms), goals: goals.length, restarts: this.state.restarts }, 'inference worker restarted; goals uploaded again');
        return;
      } catch (error) {
        last = error instanceof ModelError ? error : new ModelError('WORKER_FAILED', (error as Error).message);
        await this.link.end(0).catch(() => undefined); // a worker that loaded nothing is not kept
        this.log.warn({ reason: last.message }, 'inference worker restart failed');
      }
    }
  }

  /** Sends a request to the worker once it can take one (after a restart in progress); a reply resets the restart count. */
  private async request(message: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    await this.ready();
    const value = await this.link.request(message, transfer, this.recipe.runTimeoutMs);
    this.failuresInARow = 0;
    return value;
  }
}
