/**
 * Messages between {@link OnnxWorldModel} (main thread) and its inference worker. Float arrays
 * travel as transferable buffers; every request has an id and gets exactly one reply.
 */
import type { ModelErrorCode } from './errors.js';
import type { Manifest } from './manifest.js';

/** Execution providers a user can ask for. */
export const PROVIDERS = ['cpu', 'cuda', 'webgpu', 'tensorrt'] as const;
/** One of {@link PROVIDERS}. */
export type Provider = (typeof PROVIDERS)[number];

/** Default hung-run deadline (ms): far above any run of the shipped models on a CPU (the largest, 800 candidates of the sim model, takes ~0.2 s). */
export const DEFAULT_RUN_TIMEOUT_MS = 30_000;

/** Session settings chosen by configuration. */
export interface SessionSettings {
  readonly provider: Provider;
  /** What to do when the provider cannot be loaded: fail, or fall back to CPU with a warning. */
  readonly fallback: 'error' | 'cpu';
  readonly deviceId: number;
  /** Threads inside one operator (0 = onnxruntime's default). */
  readonly intraOpThreads: number;
}

/** Requests, by type. */
export type WorkerRequest =
  | { type: 'init'; dir: string; manifest: Manifest; horizons: number[]; settings: SessionSettings }
  | { type: 'encode'; image: Float32Array }
  | { type: 'readout'; image: Float32Array }
  | { type: 'propose'; latents: Float32Array; state: Float32Array; goal: Float32Array; given?: Float32Array; givenMask?: Float32Array }
  | { type: 'goal'; goal: Float32Array }
  | { type: 'forget-goal'; goal: number }
  | { type: 'bind'; latents: Float32Array; state: Float32Array; goal: number; horizon: number }
  | { type: 'rollout'; context: number; actions: Float32Array; batch: number }
  | { type: 'predict'; context: number; actions: Float32Array; batch: number }
  | { type: 'release'; context: number }
  | { type: 'close' }
  | { type: 'fault'; kind: WorkerFault };

/**
 * Faults a worker can be told to play, for recovery tests and `jepa-mpc stress`: 'crash' ends the
 * worker thread (as a native abort would), 'hang' spins forever (as a run that never returns).
 */
export const WORKER_FAULTS = ['crash', 'hang'] as const;
/** One of {@link WORKER_FAULTS}. */
export type WorkerFault = (typeof WORKER_FAULTS)[number];

/** What `init` reports. */
export interface InitResult {
  /** The provider sessions actually run on. */
  readonly provider: Provider;
  /** Why the requested provider was not used (when it fell back). */
  readonly fallbackReason?: string;
  readonly loadMs: number;
}

/** What `propose` returns: the subgoal latents [K, N, D] and the closedness per stage [K + 1]. */
export interface ProposeResult {
  readonly subgoals: Float32Array;
  readonly grippers: Float32Array;
}

/** A request with its id. */
export type WorkerMessage = WorkerRequest & { id: number };

/** A reply to request `id`. */
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { code: ModelErrorCode; message: string } };
