/**
 * A world model as every loop sees it — the node, the direct and through-node loops, the probes
 * and the CLI: its contract manifest, the encoder for frames and goal frames, the batched energy
 * of candidate actions (bind once per plan, score many batches), and the optional subgoal
 * proposer. {@link OnnxWorldModel} implements it with onnxruntime-node; tests use doubles.
 */
import type { StagePlan } from '../core/stages.js';
import type { EnergyModel, Latents } from '../core/types.js';
import type { RgbImage } from './image.js';
import type { Manifest } from './manifest.js';

/** Whether a model's inference runs, is being restarted after a fault, or was given up on. */
export interface ModelHealth {
  readonly state: 'ok' | 'restarting' | 'failed';
  /** Restarts that succeeded so far. */
  readonly restarts: number;
  /** The last fault (a crashed or hung worker), if any. */
  readonly lastFault?: string;
  /** How long the last restart took, from the fault to the goals uploaded again (ms). */
  readonly lastRecoveryMs?: number;
}

export interface WorldModel extends EnergyModel {
  readonly manifest: Manifest;
  /** The execution provider the model really runs on. */
  readonly provider: string;
  /** Latents of a camera frame. */
  encode(image: RgbImage): Promise<Latents>;
  /** Latents of a goal frame (cached per image; with the goal readout's gripper closedness where the model has one). */
  encodeGoal(image: RgbImage): Promise<Latents>;
  /**
   * The model's subgoal proposer (models whose manifest has `subgoalProposer`). `given[k]` holds
   * the latents of subgoal k's goal image where one was given (length K, the stages before the
   * goal); a conditional proposer proposes the other stages from them, a plain one ignores them.
   */
  proposeStages?(first: Latents, state: Float32Array, goal: Latents, given?: readonly (Latents | undefined)[]): Promise<StagePlan>;
  /** Models that restart their inference after a fault: where they stand. */
  readonly health?: ModelHealth;
  /** Resolves when requests can run again (after a restart in progress); rejects when the model was given up on. */
  ready?(): Promise<void>;
}
