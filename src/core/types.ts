/**
 * Plain data types shared by the planner core. Tensors are flat row-major Float32Arrays with
 * their shape written in the doc comment.
 */

/** Latent tokens of one frame: data [tokens, dim]. */
export interface Latents {
  /** [tokens, dim] row-major. */
  readonly data: Float32Array;
  readonly tokens: number;
  readonly dim: number;
  /**
   * The gripper closedness [0, 1] a model's goal readout read from the same frame (models with a
   * `goalReadout`, goal frames only): what the planner's goal-gripper term aims the gripper at.
   */
  readonly gripperReadout?: number;
}

/** Scores candidate action sequences: actions [batch, horizon, actionDim] → energies [batch]. */
export type EnergyFn = (actions: Float32Array, batch: number) => Promise<Float32Array>;

/** The inputs shared by every candidate of one planning step. */
export interface PlanningInputs {
  /** Latents of the current frame. */
  readonly latents: Latents;
  /** Current end-effector state [stateDim]. */
  readonly state: Float32Array;
  /** Latents of the goal frame. */
  readonly goal: Latents;
  /** Number of actions per candidate sequence. */
  readonly horizon: number;
}

/**
 * A world model as the planner sees it: bind the shared inputs of one planning step once, then
 * score as many candidate batches as the optimiser wants. Implemented by the ONNX runtime
 * (src/model) and by analytic test doubles.
 */
export interface EnergyModel {
  bind(inputs: PlanningInputs): Promise<EnergyFn>;
}

/** A clock in milliseconds (injected so tests control time). */
export type Clock = () => number;
