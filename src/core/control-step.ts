/**
 * One control step, the same for every loop (the ROS node, `demo`, `eval`, the through-node
 * loop): plan toward the active subgoal (the planner settles the gripper) → safety stages →
 * subgoal bookkeeping. It never throws: a failed plan or a rejected action comes back as a
 * status with a zero (hold) action and is not counted against the subgoal's budget.
 */
import type { MpcPlanner } from './mpc.js';
import { applySafety, type SafetyLimits } from './safety.js';
import { PlannerStatus } from './status.js';
import type { SubgoalProgress, SubgoalSequencer } from './subgoals.js';
import type { Latents } from './types.js';

/** What a control step planned from. */
export interface ControlInputs {
  readonly latents: Latents;
  /** End-effector state [7] the plan starts from. */
  readonly state: Float32Array;
}

/** The outcome of one control step. */
export interface ControlStepResult {
  /** Whether `action` is to be executed (false: hold, nothing counted). */
  readonly executed: boolean;
  /** The action to execute [A] after the safety stages (zeros when holding). */
  readonly action: Float32Array;
  /** The planned sequence [H, A] (for plan-path displays). */
  readonly plan: Float32Array;
  /** Energy of the plan to the subgoal it was made for (NaN when not planned). */
  readonly energy: number;
  /** Index of the subgoal the plan was made for. */
  readonly subgoal: number;
  /** A {@link PlannerStatus} code and its explanation. */
  readonly status: number;
  readonly message: string;
  /** Planning time (encoding excluded), ms. */
  readonly planMs: number;
  /** The sequencer after the step (undefined when nothing was executed). */
  readonly progress?: SubgoalProgress;
}

/**
 * Plans one action toward the sequencer's active subgoal, runs the safety stages on it and, when
 * it is executed, records the step (switching subgoal and resetting the planner's warm start when
 * a budget is spent or a threshold met).
 */
export async function controlStep(
  planner: MpcPlanner,
  sequencer: SubgoalSequencer<Latents>,
  inputs: ControlInputs,
  limits: SafetyLimits,
): Promise<ControlStepResult> {
  const current = sequencer.current;
  const A = limits.maxStep.length;
  const hold = (status: number, message: string, extra: Partial<ControlStepResult> = {}): ControlStepResult => ({
    executed: false,
    action: new Float32Array(A),
    plan: new Float32Array(0),
    energy: NaN,
    subgoal: current?.index ?? sequencer.count,
    status,
    message,
    planMs: 0,
    ...extra,
  });
  if (!current) return hold(PlannerStatus.GOAL_REACHED, `all ${sequencer.count} goals done`);

  // 1. Plan (the optimiser, then the gripper settle rule, inside the planner).
  const result = await planner.step({ latents: inputs.latents, state: inputs.state, goal: current.goal });
  const planned = { plan: result.plan, energy: result.energy, planMs: result.timings.totalMs };
  if (result.status !== PlannerStatus.OK) return hold(result.status, result.message, planned);

  // 2. Safety stages.
  const safe = applySafety(result.action, inputs.state, limits);
  if (safe.verdict === 'rejected') return hold(PlannerStatus.INVALID_INPUT, `action rejected: ${safe.reasons.join(', ')}`, planned);

  // 3. Subgoal bookkeeping: the step counts against the active subgoal.
  const progress = sequencer.record(result.energy);
  if (progress.switched) planner.reset();
  const note = progress.switched ? `; ${progress.done ? 'last goal done' : `next goal ${progress.index + 1}/${sequencer.count}`} (${progress.reason})` : '';
  const clamped = safe.verdict === 'clamped';
  return {
    executed: true,
    action: safe.action,
    ...planned,
    subgoal: current.index,
    status: clamped ? PlannerStatus.ACTION_CLAMPED : PlannerStatus.OK,
    message: clamped ? `action clamped: ${safe.reasons.join(', ')}${note}` : `planned${note}`,
    progress,
  };
}
