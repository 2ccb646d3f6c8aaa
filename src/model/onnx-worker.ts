/**
 * The inference worker: owns the onnxruntime-node sessions so that their blocking `run()` never
 * stalls the caller's event loop. Handles one request at a time, in order.
 */
import { parentPort } from 'node:worker_threads';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { planBatches, padRows } from './batching.js';
import { ModelError } from './errors.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import { type Manifest, rolloutFor } from './manifest.js';
import type { InitResult, ProposeResult, Provider, SessionSettings, WorkerFault, WorkerMessage, WorkerReply } from './worker-protocol.js';

/** Bound planning contexts kept at once (older ones are dropped). */
const MAX_CONTEXTS = 4;
/** The exit code of a worker told to crash (an EX_SOFTWARE-like code, distinct from a clean end). */
const WORKER_CRASH_EXIT_CODE = 70;

interface State {
  manifest: Manifest;
  encoder: ort.InferenceSession;
  rollouts: Map<number, ort.InferenceSession>;
  /** The goal readout (manifest `goalReadout`), when the model has one. */
  readout?: ort.InferenceSession;
  /** The subgoal proposer (manifest `subgoalProposer`), when the model has one. */
  proposer?: ort.InferenceSession;
  fp16: boolean;
  /** Run candidate batches at their exact size (the CPU provider: dynamic shapes cost nothing). */
  exactBatches: boolean;
}

/** Providers that run a dynamic batch dimension without recompiling: no padding for them. */
const DYNAMIC_BATCH_PROVIDERS: readonly Provider[] = ['cpu'];

let state: State | undefined;
/** Goal latents uploaded once per goal ('goal'), by id; the main thread forgets them ('forget-goal'). */
const goals = new Map<number, ort.Tensor>();
let nextGoal = 1;
const contexts = new Map<number, { horizon: number; feeds: Record<string, ort.Tensor> }>();
let nextContext = 1;

function tensor(data: Float32Array, dims: number[], fp16: boolean): ort.Tensor {
  return fp16 ? new ort.Tensor('float16', float32ToFloat16(data), dims) : new ort.Tensor('float32', data, dims);
}

function readFloats(t: ort.Tensor | undefined, what: string): Float32Array {
  if (!t) throw new ModelError('SHAPE_MISMATCH', `${what} is missing from the graph's outputs`);
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const d = t.data as unknown;
    return d instanceof Uint16Array ? float16ToFloat32(d) : Float32Array.from(d as ArrayLike<number>);
  }
  throw new ModelError('SHAPE_MISMATCH', `${what} has type ${t.type}, expected float32 or float16`);
}

function providerOptions(s: SessionSettings, provider: Provider): ort.InferenceSession.SessionOptions {
  const ep: ort.InferenceSession.ExecutionProviderConfig = provider === 'cuda' || provider === 'tensorrt' ? { name: provider, deviceId: s.deviceId } : provider;
  return {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    ...(s.intraOpThreads > 0 ? { intraOpNumThreads: s.intraOpThreads } : {}),
  };
}

async function createSession(path: string, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(path, options);
  } catch (cause) {
    const message = (cause as Error).message;
    if (/provider|shared library|cuda|tensorrt|webgpu|dawn|vulkan/i.test(message)) throw cause; // provider trouble: the caller decides
    throw new ModelError('FILE_INVALID', `could not load ONNX graph ${path}: ${message}`, { cause });
  }
}

function expectNames(session: ort.InferenceSession, file: string, inputs: string[], outputs: string[]): void {
  const missingIn = inputs.filter((n) => !session.inputNames.includes(n));
  const missingOut = outputs.filter((n) => !session.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    throw new ModelError(
      'SHAPE_MISMATCH',
      `${file} does not follow the contract: inputs [${session.inputNames.join(', ')}] (need ${inputs.join(', ')}), ` +
        `outputs [${session.outputNames.join(', ')}] (need ${outputs.join(', ')})`,
    );
  }
}

function imageDims(m: Manifest): number[] {
  const i = m.encoder.input;
  return i.layout === 'NCTHW' ? [1, 3, i.frames, i.height, i.width] : [1, 3, i.height, i.width];
}

/** CHW frame → encoder input, the frame repeated F times for NCTHW. */
function imageInput(m: Manifest, chw: Float32Array): Float32Array {
  const i = m.encoder.input;
  const plane = i.height * i.width;
  if (chw.length !== 3 * plane) throw new ModelError('INPUT_INVALID', `image has ${chw.length} values, expected 3x${i.height}x${i.width}`);
  if (i.layout === 'NCHW') return chw;
  const out = new Float32Array(3 * i.frames * plane);
  for (let c = 0; c < 3; c++) {
    for (let f = 0; f < i.frames; f++) out.set(chw.subarray(c * plane, (c + 1) * plane), (c * i.frames + f) * plane);
  }
  return out;
}

async function encode(s: State, chw: Float32Array): Promise<Float32Array> {
  const { tokens, dim } = s.manifest.encoder.output;
  const out = await s.encoder.run({ image: tensor(imageInput(s.manifest, chw), imageDims(s.manifest), s.fp16) });
  const latents = out['latents'];
  const dims = latents?.dims ?? [];
  if (dims.length !== 3 || dims[0] !== 1 || dims[1] !== tokens || dims[2] !== dim) {
    throw new ModelError('SHAPE_MISMATCH', `encoder output 'latents' has shape [${dims.join(', ')}], manifest says [1, ${tokens}, ${dim}]`);
  }
  return readFloats(latents, "encoder output 'latents'");
}

/** The goal readout on a CHW frame: the closedness its fingers show, checked to lie in [0, 1]. */
async function readGripper(s: State, chw: Float32Array): Promise<number> {
  const entry = s.manifest.goalReadout;
  if (!entry || !s.readout) throw new ModelError('INPUT_INVALID', `model '${s.manifest.name}' has no goal readout`);
  const { height, width } = s.manifest.encoder.input;
  if (chw.length !== 3 * height * width) throw new ModelError('INPUT_INVALID', `image has ${chw.length} values, expected 3x${height}x${width}`);
  const out = await s.readout.run({ image: tensor(chw, [1, 3, height, width], s.fp16) });
  const g = readFloats(out[entry.output], `readout output '${entry.output}'`);
  if (g.length !== 1) throw new ModelError('SHAPE_MISMATCH', `${entry.file} output '${entry.output}' has ${g.length} values, expected 1`);
  const v = g[0] as number;
  if (!(v >= 0 && v <= 1)) throw new ModelError('SHAPE_MISMATCH', `${entry.file} read a gripper closedness of ${v}, expected [0, 1]`);
  return v;
}

/**
 * The subgoal proposer: first-frame latents, state and goal latents (and, conditional, the given
 * stages' latents [K, N, D] with their mask [K]; none given when absent) → the subgoal latents
 * [K, N, D] and the closedness per stage [K + 1], checked for shape and range.
 */
async function propose(
  s: State,
  latents: Float32Array,
  st: Float32Array,
  goal: Float32Array,
  given?: Float32Array,
  givenMask?: Float32Array,
): Promise<ProposeResult> {
  const entry = s.manifest.subgoalProposer;
  if (!entry || !s.proposer) throw new ModelError('INPUT_INVALID', `model '${s.manifest.name}' has no subgoal proposer`);
  const { tokens, dim } = s.manifest.encoder.output;
  for (const [name, v] of [
    ['latents', latents],
    ['goal', goal],
  ] as const) {
    if (v.length !== tokens * dim) throw new ModelError('INPUT_INVALID', `${name} have ${v.length} values, expected ${tokens}x${dim}`);
  }
  if (st.length !== s.manifest.state.dim) throw new ModelError('INPUT_INVALID', `state has ${st.length} values, expected ${s.manifest.state.dim}`);
  const k = entry.stages.length - 1;
  const feeds: Record<string, ort.Tensor> = {
    latents: tensor(latents, [1, tokens, dim], s.fp16),
    goal: tensor(goal, [1, tokens, dim], s.fp16),
    state: tensor(st, [1, st.length], s.fp16),
  };
  if (entry.conditional) {
    const g = given ?? new Float32Array(k * tokens * dim);
    const mask = givenMask ?? new Float32Array(k);
    if (g.length !== k * tokens * dim) throw new ModelError('INPUT_INVALID', `given stages have ${g.length} values, expected ${k}x${tokens}x${dim}`);
    if (mask.length !== k || !mask.every((m) => m === 0 || m === 1))
      throw new ModelError('INPUT_INVALID', `given_mask must be ${k} values of 0 or 1, got [${Array.from(mask).join(', ')}]`);
    feeds['given'] = tensor(g, [1, k, tokens, dim], s.fp16);
    feeds['given_mask'] = tensor(mask, [1, k], s.fp16);
  } else if (givenMask?.some((m) => m !== 0)) {
    throw new ModelError('INPUT_INVALID', `${entry.file} is not a conditional proposer: it cannot take given stages`);
  }
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    out = await s.proposer.run(feeds);
  } catch (error) {
    if (!entry.conditional) throw error;
    // The given stages' shape comes from the manifest's stages: a graph made for another count refuses it.
    throw new ModelError('SHAPE_MISMATCH', `${entry.file} does not take the manifest's ${k} stages before the goal as 'given': ${(error as Error).message}`);
  }
  const subgoals = readFloats(out['subgoals'], `${entry.file} output 'subgoals'`);
  const grippers = readFloats(out['grippers'], `${entry.file} output 'grippers'`);
  if (subgoals.length !== k * tokens * dim)
    throw new ModelError('SHAPE_MISMATCH', `${entry.file} output 'subgoals' has ${subgoals.length} values, expected ${k}x${tokens}x${dim} (manifest stages)`);
  if (grippers.length !== k + 1) throw new ModelError('SHAPE_MISMATCH', `${entry.file} output 'grippers' has ${grippers.length} values, expected ${k + 1}`);
  if (!subgoals.every(Number.isFinite)) throw new ModelError('SHAPE_MISMATCH', `${entry.file} proposed non-finite latents`);
  if (!grippers.every((g) => g >= 0 && g <= 1)) throw new ModelError('SHAPE_MISMATCH', `${entry.file} proposed a gripper closedness outside [0, 1]`);
  return { subgoals: subgoals.slice(), grippers: grippers.slice() };
}

/** What a rollout run returns: energies [B] and, when asked, the predicted latents [B, N, D]. */
interface RolloutOutputs {
  energies: Float32Array;
  predicted?: Float32Array;
}

async function runRollout(s: State, contextId: number, actions: Float32Array, batch: number, withPredicted = false): Promise<RolloutOutputs> {
  const ctx = contexts.get(contextId);
  if (!ctx) throw new ModelError('INPUT_INVALID', `planning context ${contextId} is not bound (released or evicted)`);
  const A = s.manifest.action.dim;
  const H = ctx.horizon;
  if (actions.length !== batch * H * A) {
    throw new ModelError('INPUT_INVALID', `actions have ${actions.length} values, expected ${batch}x${H}x${A}`);
  }
  const entry = rolloutFor(s.manifest, H);
  if (withPredicted && !entry.outputsPredicted) {
    throw new ModelError('INPUT_INVALID', `${entry.file} does not output predicted latents (outputsPredicted is false)`);
  }
  const session = s.rollouts.get(H) as ort.InferenceSession;
  const tokenValues = s.manifest.encoder.output.tokens * s.manifest.encoder.output.dim;
  const energies = new Float32Array(batch);
  const predicted = withPredicted ? new Float32Array(batch * tokenValues) : undefined;
  for (const chunk of planBatches(batch, s.manifest.batchSizes, s.exactBatches)) {
    const rows = padRows(actions, H * A, chunk);
    const out = await session.run({ ...ctx.feeds, actions: tensor(rows, [chunk.size, H, A], s.fp16) }, withPredicted ? ['energy', 'predicted'] : ['energy']);
    const e = readFloats(out['energy'], "rollout output 'energy'");
    if (e.length !== chunk.size) throw new ModelError('SHAPE_MISMATCH', `rollout returned ${e.length} energies for a batch of ${chunk.size}`);
    energies.set(e.subarray(0, chunk.count), chunk.offset);
    if (predicted) {
      const p = readFloats(out['predicted'], "rollout output 'predicted'");
      predicted.set(p.subarray(0, chunk.count * tokenValues), chunk.offset * tokenValues);
    }
  }
  return predicted ? { energies, predicted } : { energies };
}

async function init(dir: string, manifest: Manifest, horizons: number[], settings: SessionSettings): Promise<InitResult> {
  const t0 = performance.now();
  let provider: Provider = settings.provider;
  let fallbackReason: string | undefined;
  const open = async (file: string) => {
    const path = join(dir, file);
    try {
      return await createSession(path, providerOptions(settings, provider));
    } catch (cause) {
      if (cause instanceof ModelError) throw cause;
      const why = `execution provider '${provider}' is not available: ${(cause as Error).message}`;
      if (provider === 'cpu' || settings.fallback === 'error') {
        throw new ModelError('PROVIDER_UNAVAILABLE', `${why}${provider === 'cpu' ? '' : " (set fallback 'cpu' to run on the CPU instead)"}`, { cause });
      }
      fallbackReason = why;
      provider = 'cpu';
      return createSession(path, providerOptions(settings, provider));
    }
  };
  const fp16 = manifest.precision === 'fp16'; // float16 tensors; int8 and fp16-weights graphs take float32
  const encoder = await open(manifest.encoder.file);
  expectNames(encoder, manifest.encoder.file, ['image'], ['latents']);
  const rollouts = new Map<number, ort.InferenceSession>();
  for (const h of horizons) {
    const entry = rolloutFor(manifest, h);
    const session = await open(entry.file);
    expectNames(session, entry.file, ['latents', 'state', 'actions', 'goal'], ['energy']);
    rollouts.set(h, session);
  }
  const s: State = { manifest, encoder, rollouts, fp16, exactBatches: DYNAMIC_BATCH_PROVIDERS.includes(provider) };
  if (manifest.goalReadout) {
    s.readout = await open(manifest.goalReadout.file);
    expectNames(s.readout, manifest.goalReadout.file, ['image'], [manifest.goalReadout.output]);
  }
  if (manifest.subgoalProposer) {
    s.proposer = await open(manifest.subgoalProposer.file);
    const inputs = ['latents', 'goal', 'state', ...(manifest.subgoalProposer.conditional ? ['given', 'given_mask'] : [])];
    expectNames(s.proposer, manifest.subgoalProposer.file, inputs, ['subgoals', 'grippers']);
  }
  // Dry runs: prove the encoder's output fits every rollout graph (catches mismatched models).
  const { height, width } = manifest.encoder.input;
  const z = await encode(s, new Float32Array(3 * height * width));
  if (s.readout) await readGripper(s, new Float32Array(3 * height * width));
  if (s.proposer) await propose(s, z, new Float32Array(manifest.state.dim), z);
  for (const h of rollouts.keys()) {
    const file = rolloutFor(manifest, h).file;
    try {
      const goal = addGoal(s, z);
      const id = bind(s, z, new Float32Array(manifest.state.dim), goal, h);
      await runRollout(s, id, new Float32Array(h * manifest.action.dim), 1);
      contexts.delete(id);
      goals.delete(goal);
    } catch (cause) {
      throw new ModelError(
        'SHAPE_MISMATCH',
        `${file} does not accept the encoder's latents [1, ${manifest.encoder.output.tokens}, ${manifest.encoder.output.dim}], ` +
          `state [1, ${manifest.state.dim}] and actions [1, ${h}, ${manifest.action.dim}]: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  state = s;
  return { provider, ...(fallbackReason ? { fallbackReason } : {}), loadMs: performance.now() - t0 };
}

/** Stores a goal's latents for the plans toward it; returns its id. */
function addGoal(s: State, goal: Float32Array): number {
  const { tokens, dim } = s.manifest.encoder.output;
  if (goal.length !== tokens * dim) throw new ModelError('INPUT_INVALID', `goal has ${goal.length} values, expected ${tokens}x${dim}`);
  const id = nextGoal++;
  goals.set(id, tensor(goal, [1, tokens, dim], s.fp16));
  return id;
}

function bind(s: State, latents: Float32Array, st: Float32Array, goalId: number, horizon: number): number {
  const { tokens, dim } = s.manifest.encoder.output;
  if (!s.rollouts.has(horizon)) throw new ModelError('INPUT_INVALID', `no rollout session loaded for horizon ${horizon}`);
  const goal = goals.get(goalId);
  if (!goal) throw new ModelError('INPUT_INVALID', `goal ${goalId} is not uploaded (forgotten, or uploaded to an earlier worker)`);
  if (latents.length !== tokens * dim) throw new ModelError('INPUT_INVALID', `latents have ${latents.length} values, expected ${tokens}x${dim}`);
  if (st.length !== s.manifest.state.dim) throw new ModelError('INPUT_INVALID', `state has ${st.length} values, expected ${s.manifest.state.dim}`);
  const id = nextContext++;
  contexts.set(id, {
    horizon,
    feeds: {
      latents: tensor(latents, [1, tokens, dim], s.fp16),
      state: tensor(st, [1, st.length], s.fp16),
      goal,
    },
  });
  while (contexts.size > MAX_CONTEXTS) contexts.delete(contexts.keys().next().value as number);
  return id;
}

/** Plays a fault (see WORKER_FAULTS): never returns. */
function playFault(kind: WorkerFault): never {
  if (kind === 'crash') process.exit(WORKER_CRASH_EXIT_CODE);
  for (;;) {
    // 'hang': a run that never returns; only terminate() ends it.
  }
}

function ready(): State {
  if (!state) throw new ModelError('WORKER_FAILED', 'the worker was not initialised');
  return state;
}

async function handle(msg: WorkerMessage): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (msg.type) {
    case 'init':
      return { value: await init(msg.dir, msg.manifest, msg.horizons, msg.settings), transfer: [] };
    case 'encode': {
      const z = await encode(ready(), msg.image);
      const copy = z.slice();
      return { value: copy, transfer: [copy.buffer] };
    }
    case 'readout':
      return { value: await readGripper(ready(), msg.image), transfer: [] };
    case 'propose': {
      const r = await propose(ready(), msg.latents, msg.state, msg.goal, msg.given, msg.givenMask);
      return { value: r, transfer: [r.subgoals.buffer as ArrayBuffer, r.grippers.buffer as ArrayBuffer] };
    }
    case 'goal':
      return { value: addGoal(ready(), msg.goal), transfer: [] };
    case 'forget-goal':
      goals.delete(msg.goal);
      return { value: null, transfer: [] };
    case 'bind':
      return { value: bind(ready(), msg.latents, msg.state, msg.goal, msg.horizon), transfer: [] };
    case 'rollout': {
      const { energies } = await runRollout(ready(), msg.context, msg.actions, msg.batch);
      return { value: energies, transfer: [energies.buffer as ArrayBuffer] };
    }
    case 'predict': {
      const { predicted } = await runRollout(ready(), msg.context, msg.actions, msg.batch, true);
      const p = predicted as Float32Array;
      return { value: p, transfer: [p.buffer as ArrayBuffer] };
    }
    case 'release':
      contexts.delete(msg.context);
      return { value: null, transfer: [] };
    case 'close': {
      const s = state;
      state = undefined;
      contexts.clear();
      goals.clear();
      if (s)
        await Promise.all([
          s.encoder.release(),
          ...[...s.rollouts.values(), ...(s.readout ? [s.readout] : []), ...(s.proposer ? [s.proposer] : [])].map((r) => r.release()),
        ]);
      return { value: null, transfer: [] };
    }
    case 'fault':
      return playFault(msg.kind);
  }
}

const port = parentPort;
if (!port) throw new Error('onnx-worker must run in a worker thread');
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: WorkerMessage) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const r = await handle(msg);
      reply = { id: msg.id, ok: true, value: r.value };
      transfer = r.transfer;
    } catch (error) {
      const code = error instanceof ModelError ? error.code : 'WORKER_FAILED';
      reply = { id: msg.id, ok: false, error: { code, message: (error as Error).message ?? String(error) } };
    }
    port.postMessage(reply, transfer);
  });
});
